"""Review tools: what a change does (semantic diff), how services are ordered (graph), where
every value comes from (explain), and the delete guard."""
