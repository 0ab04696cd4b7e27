# Sourced by ./safetensors and ./run-tests: finds a JDK 25 or newer and exports JAVA_HOME.
# Looks at $JAVA_HOME, the `java` on PATH, then the usual install folders.

java_major() {
  # Prints the feature version of the JDK at $1 (e.g. 25), or nothing.
  "$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1
}

find_jdk25() {
  local candidates=() c major
  [ -n "${JAVA_HOME:-}" ] && candidates+=("$JAVA_HOME")
  if command -v java >/dev/null 2>&1; then
    c=$(readlink -f "$(command -v java)")
    candidates+=("${c%/bin/java}")
  fi
  for c in /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    [ -d "$c" ] && candidates+=("$c")
  done
  for c in "${candidates[@]}"; do
    [ -x "$c/bin/java" ] && [ -x "$c/bin/javac" ] || continue
    major=$(java_major "$c")
    if [ -n "$major" ] && [ "$major" -ge 25 ]; then
      echo "$c"
      return 0
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
