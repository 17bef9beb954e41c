module handoff.local/tools/knative

go 1.25.0


require knative.dev/serving v0.49.0
