{{/* The chart name, shortened to fit a label. */}}
{{- define "swiss-app.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The name of every object: <release>-<chart>, or the release alone when it already holds the chart name.
At most 52 characters, so the deploy action's "-green" suffix still fits a 63-character name.
*/}}
{{- define "swiss-app.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "swiss-app.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Selector labels: stable across deploys and colors. The blue/green deploy adds its color label to the
workload's selector; these two stay as they are, so Services, the PDB and the NetworkPolicy keep matching.
*/}}
{{- define "swiss-app.selectorLabels" -}}
app.kubernetes.io/name: {{ include "swiss-app.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "swiss-app.labels" -}}
helm.sh/chart: {{ include "swiss-app.chart" . }}
{{ include "swiss-app.selectorLabels" . }}
app.kubernetes.io/version: {{ include "swiss-app.version" . | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: swiss-deploy
{{- end }}

{{/* The app version as a label value: the tag when there is no digest, else the chart's appVersion. */}}
{{- define "swiss-app.version" -}}
{{- $version := .Chart.AppVersion }}
{{- if and (not .Values.image.digest) .Values.image.tag }}
{{- $version = .Values.image.tag }}
{{- end }}
{{- regexReplaceAll "[^A-Za-z0-9_.-]" (toString $version) "_" | trunc 63 | trimSuffix "-" | trimSuffix "_" | trimSuffix "." }}
{{- end }}

{{/* The image by digest when there is one (render-helm always sets it), else by tag. */}}
{{- define "swiss-app.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag | toString) }}
{{- end }}
{{- end }}

{{- define "swiss-app.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "swiss-app.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}
