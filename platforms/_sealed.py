"""Sealed-secrets ciphertext for plate-api, one set per environment.

Sealed offline with `gitops-dsl seal --cert platforms/certs/<env>.pem --service plate-api
--env <env> --key KEY`, for each cluster's controller certificate (strict scope: namespace
plate-<env>, Secret plate-api), so only that cluster's controller can decrypt them. Ciphertext
is safe to commit; it is never shown in logs, diffs or errors. (This demo's private keys were
thrown away: the values are placeholders that no cluster can open.)
"""

#: sha256 of each cluster's sealing certificate (platforms/certs/<env>.pem)
FINGERPRINTS = {
    "dev": "sha256:1379ced47f762f5ee442b8285ef4b8dee65a248ff4385e7f75bf3c40c0f35d15",
    "stg": "sha256:81b10e147c258fa996877327a1f11c205580bd19182b067effe3240eb04d4f62",
    "prod": "sha256:af2997f2d5d41b72716c691996778817aba79ba77eaf90491c7fa33855e006b6",
}

PLATE_API = {
    "dev": {
        "DATABASE_PASSWORD": (
            "AgAo+ou6dAcTdiluZfawWM57Iv+q13KHwULFiC7hlnTDzFXUWUAWmbYnknMJZSneKU1ODgakqxs5SXqJ9FQ9o5Vd"
            "O6BR/Ulsw7h2SGXbYV2NMESjoFCpbbWFz01QWX3ve7l+MGDiYI8N0f4whJi8H2hI8MhPE9Pw9On7HY3NSJZtwpUr"
            "YaNj306s3hS7jXyj+fnaYym/XzAJ/KXYk8p79UM+6q1Fnaded4uKsVhgf760wC4sX5m7Ht6p4I/IRKWbzRWJCSok"
            "BqkNI0NRfXQTFDBavhxnSLKTWrTMoRXFxuXuPpwjTZyxzwZGOmFv0ykIMZ7dQCuW+g2vckAPpTMsmBzB1vdduNo+"
            "yHnc+k0FJcpxElzfSnTHD2GDZmSVBkkGfwhJUG8//otm5B39z0zldqK9rqvvujbTRggKazn7izA4a0iv5hSR+RmG"
            "MaZXpSjV936YC0euqZzCbc99nvwp8JgLWuNluPs7qybqLkadSQmwqG7OcKMEf2ME64/A1ALcdrEhz3+jBkgfQWxk"
            "858gkX33snpaWd/Cc+GGuG2QM3WJ6dw/uLktGeNd8Nf96LVgXnJxeGL+tzW3lIF7tjnneE+ugpbA9x3D9z2PYBtW"
            "56A90JUWCfnVPdiLXBFZ6p7rb1Q4oE7VYP0FAHUjtE/BuYqYEgDkjDusIW4CUg+07KnWi3C6NvgxMkABrDg39/O4"
            "bxNRCVX74D9ptwvHXC02chUr"
        ),
        "JWT_SIGNING_KEY": (
            "AgAE6BkZy40KpSRSCOb8OK0YES31iTclcNb+nRCkz7Yc7cqaTxPHI7ivUUuyhiSU0U3jB3yJH/tN7JExkn9ZuL+U"
            "W0c7VokrAgdILZR9Z2aG0QK8Rgqmsa7V3CW26jFmp2nY3Pl9OP+70h45gLwwXsBF4PTUWk2vd+Gh/WTvMeJc7F3r"
            "c5bw6QU0ppulsMsM9u1WPjuZNOmrsw7ybogYMtdl46UrDcFUZu6Ii3Fr1htDisI6j50UzJ79hYjZ3askrlQkpE/r"
            "hvacoeIoo4/6TsaBvcNSU3z9FUBX/fzNbfDU5dgPgTODcMQyOrJvJZtt0NcKJ9fBqgt8AYh/PTrwPDr2U4qMRFl0"
            "kYJxQNXw6mmMjmJoYPgC1wiW/Xl/42JAzAQrIgpBhuWFU3wcDr6R+CTIW34gJydPTUzxjtoYTP8u8QNSXjE/Puwa"
            "w/7UwghCttdBqdS8v7g62vbxwByV4ZZJUTJabxYA/qJ0aaQcNttqMrCSNGMlbIPdzVpEjyjB+12llSP1tHTqbDNa"
            "kFKlNjZ4ju0NY+7PFgnfjeGsa/zkJE5rcnpZZwCPDWxxKW/QRUwjIeuyq3EB8BDwN+jD6lpevKfs/+aMMpSc6VV8"
            "GAUnfiykblw9lvIZBXWjiQuqaLXIFTlVTKQFONWpH8jGx++AJ5/pfWeAXlwYoou435ad24HkT4Q5fUEEHctesBpd"
            "L2mwNtXyR7J3PnKnC/XFOXJJ"
        ),
    },
    "stg": {
        "DATABASE_PASSWORD": (
            "AgA2ci512629tRC5YzWKMzrzaUpvdxGk1dq15PJsRC4Z9PVutkCQnb1R8rV/UC6D0QWJkleqoB7Q7ilpScg2pSL1"
            "K1nwwdgNxOJ1/tPZWbWZCH06QALoFRRrMw61UlcpeE4ZVSd5WJ/QvfDOnvyrS5JIJR59Yo1WlfoTnn25cVv/yOTt"
            "9yXzB2gnfIMv9WGUbu/ijGULK3FWNWnzLJXBsOgzr0Z5u+qyZEGJ1YEFk4AoQNMHCiMj+pWr2lJFHSn/WA80xh0m"
            "b7Y0iJjtcu41r7xRiS2IsdSpKpYhUSDXyB1nlMufzaJJHlin6G5lOv2xdAzJS3RPgaR8w1fHOnPge1f4BqMEK8xV"
            "2SpuM4IjXtYEWUJSibdzOGhxHUK3DYDrNxOBY4AiIXORPOP+U+bF5mcVgUwJrQ4c3G+4d8bWWt6fLBXKMuYEojFV"
            "mApL5DFHdaOxG635og5S632j6+IA/VuBP5tBXWRWXpjo8ARRbD1lUuUE8m6+yA30LKYPObz7+9jKY+6NpeBPd4c7"
            "Qpyhg0UKGENZBkaJeC0doqc5jyvBNhKx1xrC5TGbGkw7X7iT1h8gphloOUQxrnxyK9zPOBehhXxpJXy74/IfdBCj"
            "enM32ERf1PF2IgNhkSYU+rSE6JStKfM6xxNyoPku/w820PkcRmmoJJ1N+XpwEul0gvYtUB/rS1UrtZjShAn79XxU"
            "mO4RGMhcnAPCJ54DyvLPXseE"
        ),
        "JWT_SIGNING_KEY": (
            "AgBSxFmNfniqkJDjVTje7GvP9mYcF5zn2faehLyyKOVN6uTO0Bp+qdeHYlm0hAW5j7qr6aqWf/Lkil61/BJkb2o0"
            "jM9tOkLpi9yVqGCYGg6LxWT+MuTUtri6IVgn/ffsXGSCs5x+jGLe4rNTEK7giB+vDMqMLsUfvQ8Hq6ISwhnIzkBS"
            "TG3MmehN/7Jxp/EmrX2X2j5OtswPADiNOEhEgunzJ9qKvDpvKLnWS1MJS0G9dB2pPfdspE3ogZRU5X8cxOrVqsWB"
            "W0yO3W/FjAvcYOGT9z42ip6bYt+NnPgz2MDiSxteDNCCiJycXcTXko2f8NLqdWoTGZcOw2zFPZJT4IHknD21lMdu"
            "kwexKI0msiwB2R3+MSd1aTHLdYTzFP/1UeJXLd0VkaBzXsXyZIy8+EEXFF+fGr/mg4AS2WBsylUtcf8/n5/yjAnU"
            "tRz4+wYRNaD+lvMkzZGUHZeXwRcYXJy0WVXdXIV2YZzXmzpPGpPONPS6C7f33bZo4mzkQR1uOFEI3ysZyPbFmay6"
            "D+pT7YK82yINF56YU0B742I5OaFFBc+NLpG6cxAOae05CVG63FVJ4zWIqgH4cLV+uoc/vG/4pahvIaaiQ8HNObgq"
            "MEVK9T5vIZGopsBPb7HxrjYhjCa7OSxvY7bJTI9RnR7ixTsr9vTE6VMs9ouTHbqjgIhb7rHqJTf1joyX8LO3RHqn"
            "ANzLt+b/b3ETKQTUn9GzLPYx"
        ),
    },
    "prod": {
        "DATABASE_PASSWORD": (
            "AgDVmEdMm7PDB6Lrzj9Ill4ildbNk2SxN8Res6l0cR2ZBXWhfjmVMpzc3vFob6r2O9yLo8SlENghRXo749UDgLCa"
            "sRbj0gtZsr0C45rU7Drig8Fym8TYsovBCVmy2tLBody+juQIA/3LO+XIsIIskDV84QByNFkR5i9mXJIZZud1XROs"
            "WJ8I/fbdgxt4n+ki27gun43SoFP1mXMGc1fu5YWpvgOh6lkGqaiM2VpzSX7jPhSJ6xWGlwASFd6/RknW1Mn/rbpE"
            "oKtpEWocHNKvWXFXu6ieOX16yg7nQqSNMF7OElVCzV8IC6LpYnf/ZipGUM6PggK/PL+2HCpMtTL5ldF4W/nnCNlG"
            "1NLh/ARgFwg7SR6JRubcaZH49BEjvL8VsXwlISadRp7k0aEhWZ+LIlFoAGQD3XrvS3fOOECsTlKrwcVZAnqcoJ3P"
            "9beq5yvtVEdrC4k30iJuWJfqD8ran4jS6xURDRsBDQsiepJQojVysL8ztBJ3+gBb7jSprIpoduySDCid+hXCAbwn"
            "EuUSxGT8XzfeOCW8Kjtxeuzh9X4//yi5DzJNQX2HSRKlAhXBvHDOlxReHP4SW1y3oOpWwM6fgcBTS9C6qWLhLab7"
            "Z8ONbQGJQt2+tE3SfNEoCORB3LXATjTGYEY9RjHvSWH2czqR2HnPAdmBrduxh4X1ElVJo3xAyztEV82Uk2DuGDTf"
            "Yza+0v3/8M5aPGkg4KKJ9E63"
        ),
        "JWT_SIGNING_KEY": (
            "AgAk64q2YrgOa7b/cE76nFPJj6o6VZJUxaRGG7wxxseqSg2YXjCWkANhSZBmk0z3PcdqPTKgez+Xuax6YSZETDqX"
            "oT+jYBzqwouyzyg/Wz6X+4DjJNVGQpv+0+t4u3OiXWPGNRxN61ua69csQHUTP11zg/z3Euhr/pnYq3l7DyntNR6L"
            "wmM1bZK1d+/1GOymxOtuSL3nr2hCGI23xTKWPf72PH9tnTjCgzXL3hsZBRmfH8SlkEhVyGPq9OVHscyAyv7CUP1r"
            "EGFwz0W1cF7qpACEMO/Mx7Wke4zEP1PWAqd59JlGSgbgo9I7er6aq2KHKsy2rB13Q0eA0fnLSmQKqABfeuj2oNUX"
            "mYEpMheqYa02U5WorFexxorqtBI8+5SGeuuuRDoahHxl8bRztZhYKUX4sGZBepjCmgEnOxpC11Yh7wGF5jrZpC1V"
            "Y85TfRTrxrVrYjle7web4ttQEBjyM8GTZOk4E8x5mLJj0PfnQbTgxOFwx4R6oJRUHkO212M3meHT3gN/hFv4RjTN"
            "HAYb172p5WaQ1Z4v2hTjLB3FguGNwLt2D3yxMn4sM0Psg5CFfXPDoCbeaxIHn/epGg7oi4Da77k5RCCNY/FtyY4O"
            "gTe1+ny10CPHFsO8ks9qXAnMuHYaFYL5Yq7vflWLLRAF96cxF3JFBVBbcE9wBdN9DBsz0CtlC7OoN9lqm3E/lbRw"
            "qUAdKfPXBha90VQslOpvL5oX"
        ),
    },
}
