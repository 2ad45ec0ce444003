{{- define "service.labels" -}}
app.kubernetes.io/name: {{ .Release.Name }}
app.kubernetes.io/managed-by: gitops-dsl
{{- end -}}

{{- define "service.selector" -}}
app.kubernetes.io/name: {{ .Release.Name }}
{{- end -}}

{{- define "service.image" -}}
{{ .Values.image.repository }}{{ if .Values.image.tag }}:{{ .Values.image.tag }}{{ end }}{{ if .Values.image.digest }}@{{ .Values.image.digest }}{{ end }}
{{- end -}}

{{- define "service.secretName" -}}
{{- if .Values.sealedSecret.name -}}{{ .Values.sealedSecret.name }}{{- else if .Values.externalSecret.name -}}{{ .Values.externalSecret.name }}{{- else -}}{{ .Release.Name }}{{- end -}}
{{- end -}}

{{- define "service.hasSecret" -}}
{{- if or .Values.sealedSecret.encryptedData .Values.externalSecret.data -}}true{{- end -}}
{{- end -}}

{{/* blue-green: an Argo Rollouts strategy, so only for the Rollout workload */}}
{{- define "service.blueGreen" -}}
{{- if and (eq .Values.workload "Rollout") .Values.blueGreen.enabled }}true{{- end }}
{{- end }}
