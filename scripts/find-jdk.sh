# Sourced by ./slipway and bench/*: find_jdk exports JAVA_HOME as the newest JDK >= 21 it finds.
say() { echo "slipway: $*" >&2; }

java_major() { "$1" -version 2>&1 | awk -F'"' '/version/ {split($2, v, "."); print (v[1] == "1" ? v[2] : v[1]); exit}'; }

find_jdk() {
  local candidates=() c
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  for c in /usr/lib/jvm/*; do [ -d "$c" ] && candidates+=("$c"); done
  local best="" best_major=0 major
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/javac" ] || continue
    major=$(java_major "$c/bin/java") || continue
    if [ "${major:-0}" -ge 21 ] && [ "$major" -gt "$best_major" ]; then best="$c"; best_major=$major; fi
  done
  if [ -z "$best" ]; then
    say "no JDK >= 21 found (looked at \$JAVA_HOME and /usr/lib/jvm); install one, e.g. apt-get install openjdk-21-jdk-headless"
    exit 1
  fi
  export JAVA_HOME="$best"
}
