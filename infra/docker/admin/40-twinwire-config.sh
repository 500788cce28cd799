#!/bin/sh
# Writes the admin UI's runtime configuration, which the SPA fetches at boot (config.json:
# { "apiBaseUrl", "mqttUrl"?, "mqttWsUrl"?, "deviceWsUrl"? }), from API_BASE_URL,
# MQTT_PUBLIC_URL, MQTT_WS_PUBLIC_URL and DEVICE_WS_PUBLIC_URL: the addresses devices are told
# in the connection snippets. Refuses to start without a plain http(s) API_BASE_URL, so a
# misconfigured container fails at once instead of serving a UI that cannot reach its API.
# (TWINWIRE_CONFIG_JSON moves the file; tests.)
set -eu

out="${TWINWIRE_CONFIG_JSON:-/tmp/twinwire/config.json}"
api="${API_BASE_URL:-}"
mqtt="${MQTT_PUBLIC_URL:-}"
mqtt_ws="${MQTT_WS_PUBLIC_URL:-}"
device_ws="${DEVICE_WS_PUBLIC_URL:-}"

fail() {
  echo "twinwire-admin: $*" >&2
  exit 1
}

# The values go into JSON verbatim: refuse anything a URL cannot contain unescaped.
plain() {
  case "$1" in
    *'"'* | *'\'* | *' '* | *'<'* | *'>'*) return 1 ;;
  esac
}

case "$api" in
  http://?* | https://?*) ;;
  *) fail "API_BASE_URL must be the http(s) URL of the Twinwire API, got \"$api\"" ;;
esac
plain "$api" || fail "API_BASE_URL contains a character a URL cannot have: \"$api\""
api="${api%/}"
json="\"apiBaseUrl\": \"$api\""

# add_url <json key> <variable name> <value> <what it must start with, for the message>
add_url() {
  [ -n "$3" ] || return 0
  plain "$3" || fail "$2 contains a character a URL cannot have: \"$3\""
  json="$json, \"$1\": \"$3\""
}

if [ -n "$mqtt" ]; then
  case "$mqtt" in
    mqtt://?* | mqtts://?* | ws://?* | wss://?*) ;;
    *) fail "MQTT_PUBLIC_URL must be an mqtt(s):// or ws(s):// URL, got \"$mqtt\"" ;;
  esac
fi
add_url mqttUrl MQTT_PUBLIC_URL "$mqtt"
for pair in "MQTT_WS_PUBLIC_URL:$mqtt_ws" "DEVICE_WS_PUBLIC_URL:$device_ws"; do
  name="${pair%%:*}"
  value="${pair#*:}"
  case "$value" in
    '' | ws://?* | wss://?*) ;;
    *) fail "$name must be a ws(s):// URL, got \"$value\"" ;;
  esac
done
add_url mqttWsUrl MQTT_WS_PUBLIC_URL "$mqtt_ws"
add_url deviceWsUrl DEVICE_WS_PUBLIC_URL "$device_ws"

mkdir -p "$(dirname "$out")"
printf '{ %s }\n' "$json" >"$out.tmp"
mv "$out.tmp" "$out"
echo "twinwire-admin: $out points the UI at $api"
