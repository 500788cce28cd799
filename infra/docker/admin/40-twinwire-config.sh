#!/bin/sh
# Writes the admin UI's runtime configuration, which the SPA fetches at boot (config.json:
# { "apiBaseUrl", "mqttUrl"? }), from API_BASE_URL and MQTT_PUBLIC_URL. Refuses to start
# without a plain http(s) API_BASE_URL, so a misconfigured container fails at once instead
# of serving a UI that cannot reach its API. (TWINWIRE_CONFIG_JSON moves the file; tests.)
set -eu

out="${TWINWIRE_CONFIG_JSON:-/tmp/twinwire/config.json}"
api="${API_BASE_URL:-}"
mqtt="${MQTT_PUBLIC_URL:-}"

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
if [ -n "$mqtt" ]; then
  case "$mqtt" in
    mqtt://?* | mqtts://?* | ws://?* | wss://?*) ;;
    *) fail "MQTT_PUBLIC_URL must be an mqtt(s):// or ws(s):// URL, got \"$mqtt\"" ;;
  esac
  plain "$mqtt" || fail "MQTT_PUBLIC_URL contains a character a URL cannot have: \"$mqtt\""
  json="$json, \"mqttUrl\": \"$mqtt\""
fi

mkdir -p "$(dirname "$out")"
printf '{ %s }\n' "$json" >"$out.tmp"
mv "$out.tmp" "$out"
echo "twinwire-admin: $out points the UI at $api"
