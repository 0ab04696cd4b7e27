# Sourced by ./safetensors, ./run-tests and ./install: finds a JDK 25 or newer and exports JAVA_HOME.
# Looks at $JAVA_HOME, the `java` on PATH, the JDK found last time (target/jdk-home), then the usual install
# folders. It runs no JVM to ask a version (it reads the JDK's `release` file), so sourcing it costs a few
# milliseconds: the launcher sources it on every call.

# The repository root, from this file's own path (sourced, $0 is the caller).
_jdk_root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
_jdk_cache="$_jdk_root/target/jdk-home"

java_major() {
  # Prints the feature version of the JDK at $1 (e.g. 25), or nothing.
  local line version
  if [ -r "$1/release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case $line in
        JAVA_VERSION=*)
          version=${line#JAVA_VERSION=}
          version=${version//\"/}
          echo "${version%%[.+-]*}"
          return 0 ;;
      esac
    done < "$1/release"
  fi
  # No release file (a custom image): ask the JDK itself.
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

is_jdk25() {
  local major
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  major=$(java_major "$1")
  [ -n "$major" ] && [ "$major" -ge 25 ] 2>/dev/null
}

find_jdk25() {
  local c cached
  if [ -n "${JAVA_HOME:-}" ] && is_jdk25 "$JAVA_HOME"; then
    echo "$JAVA_HOME"; return 0
  fi
  if command -v java >/dev/null 2>&1; then
    c=$(readlink -f "$(command -v java)")
    c=${c%/bin/java}
    if is_jdk25 "$c"; then echo "$c"; return 0; fi
  fi
  if [ -r "$_jdk_cache" ] && IFS= read -r cached < "$_jdk_cache" && [ -n "$cached" ] && is_jdk25 "$cached"; then
    echo "$cached"; return 0
  fi
  for c in /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    if [ -d "$c" ] && is_jdk25 "$c"; then
      # Remembered for the next call; a JDK that goes away is looked for again.
      { mkdir -p "${_jdk_cache%/*}" && echo "$c" > "$_jdk_cache"; } 2>/dev/null || true
      echo "$c"; return 0
    fi
  done
  return 1
}

if ! JAVA_HOME=$(find_jdk25); then
  echo "error: safetensors-java needs a JDK 25 or newer, and none was found." >&2
  echo "       Looked at \$JAVA_HOME, the java on PATH, /usr/lib/jvm, /opt and ~/.sdkman." >&2
  echo "       Install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
# Maven's own dependencies (Guice) still use sun.misc.Unsafe; keep JDK 25's warnings about it quiet.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
