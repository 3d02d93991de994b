#!/bin/sh
# Render monitoring/alertmanager/alertmanager.yml with secrets from the environment.
#
#   render-config.sh SOURCE DEST SECRETS_DIR
#
# - writes SLACK_WEBHOOK_URL, PAGERDUTY_SERVICE_KEY, SMTP_PASSWORD into SECRETS_DIR/slack-webhook-url,
#   SECRETS_DIR/pagerduty-key, SECRETS_DIR/smtp-password (mode 600), and SLACK_OPS_WEBHOOK_URL (optional; default
#   SLACK_WEBHOOK_URL) into SECRETS_DIR/slack-ops-webhook-url: a Slack app's incoming webhook posts to the one channel
#   it was created for and ignores `channel:`, so #thebot-ops needs its own URL;
# - replaces https://unset.invalid/${NAME} and ${NAME} in SOURCE for NAME in
#   SMTP_HOST SMTP_PORT SMTP_USER ALERT_WEBHOOK_URL DEADMANS_SWITCH_URL;
# - points the *_file fields at SECRETS_DIR and writes the result to DEST;
# - copies the templates (templates/*.tmpl next to SOURCE) to templates/ next to DEST with the Grafana base URL
#   of the notification links set to GRAFANA_ROOT_URL, and points the templates: glob there.
# A secret variable that is unset or empty is an error (the file would otherwise keep a placeholder).
# GRAFANA_ROOT_URL is optional: default http://localhost:3000 (the URL users open Grafana at; docker-compose
# passes the same variable to Grafana as GF_SERVER_ROOT_URL).
# POSIX sh + sed only, so it runs inside the busybox-based prom/alertmanager image.
set -eu

if [ "$#" -ne 3 ]; then
  echo "usage: $0 SOURCE DEST SECRETS_DIR" >&2
  exit 2
fi
src=$1 dest=$2 secrets=$3

missing=""
for name in SLACK_WEBHOOK_URL PAGERDUTY_SERVICE_KEY SMTP_PASSWORD SMTP_HOST SMTP_PORT SMTP_USER ALERT_WEBHOOK_URL DEADMANS_SWITCH_URL; do
  eval "value=\${$name:-}"
  [ -n "$value" ] || missing="$missing $name"
done
if [ -n "$missing" ]; then
  echo "render-config.sh: set these environment variables (see .env.example):$missing" >&2
  exit 1
fi

umask 077
mkdir -p "$secrets"
printf '%s' "$SLACK_WEBHOOK_URL" > "$secrets/slack-webhook-url"
printf '%s' "${SLACK_OPS_WEBHOOK_URL:-$SLACK_WEBHOOK_URL}" > "$secrets/slack-ops-webhook-url"
printf '%s' "$PAGERDUTY_SERVICE_KEY" > "$secrets/pagerduty-key"
printf '%s' "$SMTP_PASSWORD" > "$secrets/smtp-password"

# Escape a value for the replacement side of a sed s||| command.
esc() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

script=""
for name in SMTP_HOST SMTP_PORT SMTP_USER ALERT_WEBHOOK_URL DEADMANS_SWITCH_URL; do
  eval "value=\${$name}"
  v=$(esc "$value")
  script="$script
s|https://unset\\.invalid/\\\${$name}|$v|g
s|\\\${$name}|$v|g"
done
script="$script
s|/etc/alertmanager/secrets/|$(esc "$secrets")/|g"

tmp="$dest.tmp.$$"
sed -e "$script" "$src" > "$tmp"
if grep -v '^[[:space:]]*#' "$tmp" | grep -e '\${[A-Z_]*}' -e 'unset\.invalid' >&2; then
  rm -f "$tmp"
  echo "render-config.sh: placeholders left in the rendered file (lines above)" >&2
  exit 1
fi
mv "$tmp" "$dest"

# Notification templates with the Grafana base URL of this deployment (trailing slashes dropped).
grafana=$(printf '%s' "${GRAFANA_ROOT_URL:-http://localhost:3000}" | sed -e 's|/*$||')
templates_out="$(dirname "$dest")/templates"
mkdir -p "$templates_out"
for template in "$(dirname "$src")"/templates/*.tmpl; do
  [ -f "$template" ] || continue
  sed -e "s|{{ define \"thebot.grafana.base\" }}[^{]*{{ end }}|{{ define \"thebot.grafana.base\" }}$(esc "$grafana"){{ end }}|" \
    "$template" > "$templates_out/$(basename "$template")"
done
if ! cat "$templates_out"/*.tmpl 2>/dev/null | grep -qF "{{ define \"thebot.grafana.base\" }}$grafana{{ end }}"; then
  echo "render-config.sh: no one-line {{ define \"thebot.grafana.base\" }}...{{ end }} in $(dirname "$src")/templates/*.tmpl to set GRAFANA_ROOT_URL in" >&2
  exit 1
fi
sed -e "s|/etc/alertmanager/templates/|$(esc "$templates_out")/|g" "$dest" > "$dest.tmp.$$"
mv "$dest.tmp.$$" "$dest"
