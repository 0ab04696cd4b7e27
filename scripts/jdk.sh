# Sourced by ./safetensors, ./run-tests and ./install: finds a JDK 25 or newer and exports JAVA_HOME.
# Looks at $JAVA_HOME, the `java` on PATH, the JDK found last time (target/jdk-home), then the usual install
# folders. It runs no JVM to ask a version (it reads the JDK's `release` file), and the functions return their
# answers in variables rather than through subshells, so sourcing it costs a few milliseconds: the launcher
# sources it on every call.

# The repository root, from this file's own path (sourced, $0 is the caller).
_jdk_root=${BASH_SOURCE[0]%/*}
case $_jdk_root in
  "${BASH_SOURCE[0]}") _jdk_root=$PWD/.. ;;         # sourced as plain `jdk.sh` from scripts/
  /*) _jdk_root=$_jdk_root/.. ;;
  *) _jdk_root=$PWD/$_jdk_root/.. ;;
esac
_jdk_cache="$_jdk_root/target/jdk-home"

java_major() {
  # Sets java_major_result to the feature version of the JDK at $1 (e.g. 25), or to nothing.
  local line version
  java_major_result=
  if [ -r "$1/release" ]; then
    while IFS= read -r line || [ -n "$line" ]; do
      case $line in
        JAVA_VERSION=*)
          version=${line#JAVA_VERSION=}
          version=${version//\"/}
          java_major_result=${version%%[.+-]*}
          return 0 ;;
      esac
    done < "$1/release"
  fi
  # No release file (a custom image): ask the JDK itself.
  java_major_result=$("$1/bin/java" -XshowSettings:properties -version 2>&1 \
    | sed -n 's/^ *java\.specification\.version = \([0-9]*\).*/\1/p' | head -n 1)
}

is_jdk25() {
  [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 1
  java_major "$1"
  [ -n "$java_major_result" ] && [ "$java_major_result" -ge 25 ] 2>/dev/null
}

find_jdk25() {
  # Sets find_jdk25_result to the JDK found; returns 1 when there is none.
  local c cached
  find_jdk25_result=
  if [ -n "${JAVA_HOME:-}" ] && is_jdk25 "$JAVA_HOME"; then
    find_jdk25_result=$JAVA_HOME; return 0
  fi
  # `hash` puts java's path in BASH_CMDS without a subshell. Where that cannot answer, `type -P` (a subshell)
  # searches PATH: bash 3.2 (macOS's /bin/bash) has no BASH_CMDS, `set +h` turns hashing off, and a function or
  # alias named java makes `hash java` succeed without hashing a path.
  c=
  if [ "${BASH_VERSINFO[0]:-0}" -ge 4 ] && [[ $- == *h* ]]; then
    if hash java 2>/dev/null; then
      c=${BASH_CMDS[java]:-}
      [ -n "$c" ] || c=$(type -P java 2>/dev/null) || c=
    fi
  else
    c=$(type -P java 2>/dev/null) || c=
  fi
  if [ -n "$c" ]; then
    c=$(readlink -f "$c")
    c=${c%/bin/java}
    if is_jdk25 "$c"; then find_jdk25_result=$c; return 0; fi
  fi
  if [ -r "$_jdk_cache" ] && IFS= read -r cached < "$_jdk_cache" && [ -n "$cached" ] && is_jdk25 "$cached"; then
    find_jdk25_result=$cached; return 0
  fi
  for c in /usr/lib/jvm/* /opt/java/* /opt/jdk* "$HOME"/.sdkman/candidates/java/* /Library/Java/JavaVirtualMachines/*/Contents/Home; do
    if [ -d "$c" ] && is_jdk25 "$c"; then
      # Remembered for the next call; a JDK that goes away is looked for again.
      { mkdir -p "${_jdk_cache%/*}" && echo "$c" > "$_jdk_cache"; } 2>/dev/null || true
      find_jdk25_result=$c; return 0
    fi
  done
  return 1
}

if find_jdk25; then
  JAVA_HOME=$find_jdk25_result
  # Every way find_jdk25 succeeds ends with is_jdk25 of the JDK it returns: its feature version (e.g. 25).
  jdk_feature=$java_major_result
else
  echo "error: safetensors-java needs a JDK 25 or newer, and none was found." >&2
  echo "       Looked at \$JAVA_HOME, the java on PATH, /usr/lib/jvm, /opt and ~/.sdkman." >&2
  echo "       Install one (e.g. Temurin 25) and set JAVA_HOME to it." >&2
  exit 1
fi
export JAVA_HOME
export PATH="$JAVA_HOME/bin:$PATH"
# Maven's own dependencies (Guice) still use sun.misc.Unsafe; keep JDK 25's warnings about it quiet.
export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
