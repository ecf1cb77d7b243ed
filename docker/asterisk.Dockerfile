# syntax=docker/dockerfile:1
#
# Asterisk 22 LTS for Ariadne, built from the official release tarball on Debian 12 (bookworm).
#
# Why build instead of pulling an image: Debian 12 ships no Asterisk package, and the maintained
# public images (e.g. andrius/asterisk) follow their own module set, paths and release cadence. This
# file pins the exact release the configuration in asterisk-conf/ was verified against (22.10.1, the
# one the captures in the orchestrator's simulator come from), with chan_pjsip on the bundled
# pjproject, the official English prompts and opsound music, and nothing else. To upgrade, change
# ASTERISK_VERSION and run `npm run check:asterisk` plus a test call.
#
# Build context: the repository root (docker-compose.yml sets it), so the prompts can be synthesised.

ARG ASTERISK_VERSION=22.10.1
ARG DEBIAN_IMAGE=debian:bookworm-slim

# ---------------------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE} AS build
ARG ASTERISK_VERSION
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      build-essential ca-certificates curl bzip2 patch pkg-config \
      libedit-dev libjansson-dev libssl-dev libsqlite3-dev uuid-dev libxml2-dev libsrtp2-dev \
      libcurl4-openssl-dev \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /usr/src
# The release server publishes a .sha256 next to every tarball; compare only the hash so either
# file layout ("<hash>" or "<hash>  <file>") works.
RUN set -eu; \
    base=https://downloads.asterisk.org/pub/telephony/asterisk/releases; \
    curl -fsSLO "$base/asterisk-${ASTERISK_VERSION}.tar.gz"; \
    curl -fsSLO "$base/asterisk-${ASTERISK_VERSION}.sha256"; \
    expected=$(cut -d' ' -f1 "asterisk-${ASTERISK_VERSION}.sha256"); \
    actual=$(sha256sum "asterisk-${ASTERISK_VERSION}.tar.gz" | cut -d' ' -f1); \
    if [ "$expected" != "$actual" ]; then echo "asterisk-${ASTERISK_VERSION}.tar.gz: checksum mismatch" >&2; exit 1; fi; \
    tar xzf "asterisk-${ASTERISK_VERSION}.tar.gz"; \
    mv "asterisk-${ASTERISK_VERSION}" asterisk
WORKDIR /usr/src/asterisk
# --libdir=/usr/lib: asterisk.conf expects modules in /usr/lib/asterisk/modules (configure would pick
# /usr/lib64 on some hosts). The bundled pjproject is the one Asterisk is tested with; these are the
# same options the configuration was verified with. menuselect: portable binaries (no
# -march=native), the official English prompts (WAV and GSM) and the opsound music on hold in WAV.
# No sample configuration is installed: /etc/asterisk is filled from asterisk-conf/ at start.
RUN ./configure --prefix=/usr --libdir=/usr/lib --sysconfdir=/etc --localstatedir=/var \
      --with-pjproject-bundled --without-libjwt \
 && make menuselect.makeopts \
 && menuselect/menuselect --disable BUILD_NATIVE \
      --enable CORE-SOUNDS-EN-WAV --enable CORE-SOUNDS-EN-GSM --enable MOH-OPSOUND-WAV \
      --disable MOH-OPSOUND-GSM menuselect.makeopts \
 && make -j"$(nproc)" \
 && make install DESTDIR=/staging \
 && find /staging/usr/lib/asterisk/modules -name '*.so' -exec strip --strip-unneeded {} + \
 && strip --strip-unneeded /staging/usr/sbin/asterisk \
 && rm -rf /staging/etc/asterisk

# ---------------------------------------------------------------------------------------------------
# Ariadne's own prompts, synthesised from their texts (replace any file with a studio recording of the
# same name: see docs/asterisk.md).
FROM ${DEBIAN_IMAGE} AS prompts
RUN apt-get update \
 && apt-get install -y --no-install-recommends espeak-ng sox \
 && rm -rf /var/lib/apt/lists/*
COPY asterisk-conf/sounds/ariadne/prompts.txt /src/prompts.txt
COPY docker/synth-prompts.sh /usr/local/bin/synth-prompts.sh
RUN sh /usr/local/bin/synth-prompts.sh /src/prompts.txt /out/en/ariadne en-us

# ---------------------------------------------------------------------------------------------------
FROM ${DEBIAN_IMAGE}
ARG ASTERISK_VERSION
LABEL org.opencontainers.image.title="ariadne-asterisk" \
      org.opencontainers.image.description="Asterisk ${ASTERISK_VERSION} (chan_pjsip, ARI) for Ariadne" \
      org.opencontainers.image.version="${ASTERISK_VERSION}"
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates openssl libedit2 libjansson4 libssl3 libsqlite3-0 libuuid1 libxml2 libsrtp2-1 \
      libcurl4 procps \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system asterisk \
 && useradd --system --gid asterisk --home-dir /var/lib/asterisk --no-create-home --shell /usr/sbin/nologin asterisk
COPY --from=build /staging/ /
COPY --from=prompts /out/ /var/lib/asterisk/sounds/
# Defaults baked in; docker-compose.yml mounts the repository's folders over them so that an edit and
# a reload take effect without rebuilding.
COPY asterisk-conf/ /opt/ariadne/asterisk-conf/
COPY dialplans/ /opt/ariadne/dialplans/
COPY docker/asterisk-entrypoint.sh /usr/local/bin/asterisk-entrypoint.sh
RUN chmod 0755 /usr/local/bin/asterisk-entrypoint.sh \
 && mkdir -p /etc/asterisk/keys /var/lib/asterisk/astdb /var/spool/asterisk/recording /var/spool/asterisk/voicemail /var/log/asterisk /var/run/asterisk \
 && chown -R asterisk:asterisk /etc/asterisk /var/lib/asterisk /var/spool/asterisk /var/log/asterisk /var/run/asterisk

# SIP (UDP/TCP), SIP over TLS, HTTP (ARI, internal only), HTTPS/WSS (browser softphones), AMI
# (internal only), RTP. Publish only what a deployment needs: see docker-compose.yml.
EXPOSE 5060/udp 5060/tcp 5061/tcp 8088/tcp 8089/tcp 5038/tcp 10000-10299/udp
# Asterisk is up when its HTTP server (ARI) is bound and the SIP transports exist.
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=6 \
  CMD asterisk -rx 'http show status' | grep -q 'Server Enabled and Bound' \
   && asterisk -rx 'pjsip show transports' | grep -q 'transport-udp'
ENTRYPOINT ["/usr/local/bin/asterisk-entrypoint.sh"]
CMD ["asterisk", "-f", "-n", "-vvv"]
