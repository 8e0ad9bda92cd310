# Sourced by the project's scripts: picks a JDK of version 21 or later for Maven and for the OpenSearch node
# (OpenSearch 3.5 needs Java 21+; Debian 12's default JDK is 17). Exports JAVA_HOME and NODE_JAVA_HOME.
# pick_jdk [MIN [MAX]]: the first JDK whose version is in MIN..MAX (default 21 and up).
pick_jdk() {
    local candidate version min=${1:-21} max=${2:-999}
    for candidate in ${JAVA_HOME:-} /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-2*-jdk-* /usr/lib/jvm/java-2*-openjdk-* \
        /usr/lib/jvm/temurin-1*-jdk-* /usr/lib/jvm/java-1*-openjdk-*; do
        [ -x "$candidate/bin/java" ] || continue
        version=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')
        if [ "${version:-0}" -ge "$min" ] 2>/dev/null && [ "$version" -le "$max" ]; then
            echo "$candidate"
            return 0
        fi
    done
    return 1
}
if ! JAVA_HOME=$(pick_jdk); then
    echo "No JDK 21+ found. Install one, e.g.: apt-get install -y openjdk-21-jdk-headless (or a Temurin 21+ JDK), or set JAVA_HOME." >&2
    exit 1
fi
export JAVA_HOME
export NODE_JAVA_HOME=$JAVA_HOME
# Maven's own guava warns about sun.misc.Unsafe on JDK 24+; silence that noise
if [ "$("$JAVA_HOME/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/ *java.specification.version = //p')" -ge 24 ] 2>/dev/null; then
    export MAVEN_OPTS="${MAVEN_OPTS:-} --sun-misc-unsafe-memory-access=allow"
fi
