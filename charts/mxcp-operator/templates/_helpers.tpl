{{/*
Names, labels and derived settings shared by the templates. Everything here is a pure function of
the values and the release: no randomness and no lookup, so rendering twice (ArgoCD re-renders on
every refresh) gives the same bytes.
*/}}

{{- define "mxcp-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mxcp-operator.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "mxcp-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mxcp-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "mxcp-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: manager
{{- end }}

{{- define "mxcp-operator.labels" -}}
helm.sh/chart: {{ include "mxcp-operator.chart" . }}
app.kubernetes.io/name: {{ include "mxcp-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "mxcp-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mxcp-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Leader election is on when asked for, and always with more than one replica. */}}
{{- define "mxcp-operator.leaderElect" -}}
{{- if or .Values.leaderElection.enabled (gt (int .Values.replicaCount) 1) }}true{{ else }}false{{ end }}
{{- end }}

{{- define "mxcp-operator.leaseName" -}}
{{- default (include "mxcp-operator.fullname" .) .Values.leaderElection.leaseName }}
{{- end }}

{{- define "mxcp-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{- define "mxcp-operator.workerImage" -}}
{{- printf "%s:%s" .Values.operator.workerImage.repository (default .Chart.AppVersion .Values.operator.workerImage.tag) }}
{{- end }}

{{/*
Settings the schema cannot compare with each other; the operator would refuse them at start-up
(operator/src/manager/options.ts), so refuse them at render time with the same words.
*/}}
{{- define "mxcp-operator.validate" -}}
{{- $le := .Values.leaderElection }}
{{- if le (float64 $le.leaseDuration) (float64 $le.renewDeadline) }}
{{- fail "leaderElection.leaseDuration must exceed leaderElection.renewDeadline" }}
{{- end }}
{{- if le (float64 $le.renewDeadline) (mulf 1.2 $le.retryPeriod) }}
{{- fail "leaderElection.renewDeadline must exceed 1.2 × leaderElection.retryPeriod" }}
{{- end }}
{{- if ge (float64 .Values.operator.shutdownTimeout) (float64 .Values.terminationGracePeriodSeconds) }}
{{- fail "operator.shutdownTimeout must be below terminationGracePeriodSeconds (Kubernetes kills the pod at the grace period)" }}
{{- end }}
{{- if eq (int .Values.metrics.port) (int .Values.healthPort) }}
{{- fail "metrics.port and healthPort must differ (each is a named container port)" }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.service.enabled) }}
{{- fail "metrics.serviceMonitor.enabled needs metrics.service.enabled (the ServiceMonitor selects that Service)" }}
{{- end }}
{{- end }}
