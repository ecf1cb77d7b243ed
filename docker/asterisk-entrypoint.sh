#!/bin/sh
# Prepares /etc/asterisk from the repository's asterisk-conf/ and dialplans/, then runs Asterisk.
#
# - Every file of asterisk-conf/ is symlinked into /etc/asterisk, and dialplans/ is linked as
#   /etc/asterisk/dialplans, so an engineer's edit takes effect at the next `dialplan reload` or
#   `module reload res_pjsip.so` without a restart or a rebuild.
# - The ARI and AMI accounts are rendered from the environment (ARIADNE_ARI_USER/PASSWORD,
#   ARIADNE_AMI_USER/SECRET) when set, so the orchestrator and Asterisk share one source of truth.
# - ARIADNE_EXTERNAL_ADDRESS (the public IP or name of this host) is written into the NAT template of
#   pjsip_transports.conf, which needs a restart anyway to change.
# - A self-signed TLS certificate is created on first start when none is mounted.
set -eu

CONF_SRC=${ARIADNE_ASTERISK_CONF:-/opt/ariadne/asterisk-conf}
DIALPLAN_SRC=${ARIADNE_DIALPLANS:-/opt/ariadne/dialplans}
ETC=/etc/asterisk

die() {
  echo "asterisk-entrypoint: $*" >&2
  exit 1
}

[ -f "$CONF_SRC/asterisk.conf" ] || die "no asterisk.conf in $CONF_SRC (mount asterisk-conf/ there)"
[ -f "$DIALPLAN_SRC/inbound.conf" ] || die "no inbound.conf in $DIALPLAN_SRC (mount dialplans/ there)"

# Values end up in config files and in the orchestrator's URLs: allow only URL-safe characters, so
# neither a ';' (comment) nor a newline can change the meaning of a file.
check_value() {
  case "$2" in
    '') die "$1 is empty" ;;
    *[!A-Za-z0-9._~-]*) die "$1 may contain only letters, digits and . _ ~ -" ;;
  esac
}

mkdir -p "$ETC/keys"
# Start from a clean set of links; files written below are replaced each start.
find "$ETC" -maxdepth 1 \( -type l -o -name 'ari_users.conf' -o -name 'manager_users.conf' -o -name 'pjsip_transports.conf' \) -exec rm -f {} +
for f in "$CONF_SRC"/*; do
  ln -s "$f" "$ETC/$(basename "$f")"
done
ln -s "$DIALPLAN_SRC" "$ETC/dialplans"

if [ -n "${ARIADNE_ARI_USER:-}" ] || [ -n "${ARIADNE_ARI_PASSWORD:-}" ]; then
  ari_user=${ARIADNE_ARI_USER:-ariadne}
  ari_password=${ARIADNE_ARI_PASSWORD:-ariadne}
  check_value ARIADNE_ARI_USER "$ari_user"
  check_value ARIADNE_ARI_PASSWORD "$ari_password"
  rm -f "$ETC/ari_users.conf"
  {
    echo "; Written by asterisk-entrypoint.sh from ARIADNE_ARI_USER / ARIADNE_ARI_PASSWORD."
    sed -e "s/^\[ariadne\]\$/[$ari_user]/" -e "s/^password = .*/password = $ari_password/" "$CONF_SRC/ari_users.conf"
  } > "$ETC/ari_users.conf"
fi

if [ -n "${ARIADNE_AMI_USER:-}" ] || [ -n "${ARIADNE_AMI_SECRET:-}" ]; then
  ami_user=${ARIADNE_AMI_USER:-ariadne}
  ami_secret=${ARIADNE_AMI_SECRET:-ariadne}
  check_value ARIADNE_AMI_USER "$ami_user"
  check_value ARIADNE_AMI_SECRET "$ami_secret"
  rm -f "$ETC/manager_users.conf"
  {
    echo "; Written by asterisk-entrypoint.sh from ARIADNE_AMI_USER / ARIADNE_AMI_SECRET."
    sed -e "s/^\[ariadne\]\$/[$ami_user]/" -e "s/^secret = .*/secret = $ami_secret/" "$CONF_SRC/manager_users.conf"
  } > "$ETC/manager_users.conf"
fi

if [ -n "${ARIADNE_EXTERNAL_ADDRESS:-}" ]; then
  case "$ARIADNE_EXTERNAL_ADDRESS" in
    *[!A-Za-z0-9.:-]*) die "ARIADNE_EXTERNAL_ADDRESS must be an IP address or a host name" ;;
  esac
  rm -f "$ETC/pjsip_transports.conf"
  sed -e "s/^; external_media_address = .*/external_media_address = $ARIADNE_EXTERNAL_ADDRESS/" \
      -e "s/^; external_signaling_address = .*/external_signaling_address = $ARIADNE_EXTERNAL_ADDRESS/" \
      "$CONF_SRC/pjsip_transports.conf" > "$ETC/pjsip_transports.conf"
  grep -q "^external_media_address = $ARIADNE_EXTERNAL_ADDRESS\$" "$ETC/pjsip_transports.conf" \
    || die "could not set ARIADNE_EXTERNAL_ADDRESS: pjsip_transports.conf lost its '; external_media_address =' line"
fi

if [ ! -s "$ETC/keys/asterisk.crt" ] || [ ! -s "$ETC/keys/asterisk.key" ]; then
  cn=${ARIADNE_PUBLIC_HOST:-${ARIADNE_EXTERNAL_ADDRESS:-localhost}}
  echo "asterisk-entrypoint: no certificate in $ETC/keys, creating a self-signed one for $cn"
  openssl req -x509 -newkey rsa:2048 -nodes -days 825 -subj "/CN=$cn" \
    -keyout "$ETC/keys/asterisk.key" -out "$ETC/keys/asterisk.crt" 2>/dev/null \
    || die "openssl could not create a certificate in $ETC/keys"
fi

chown -R asterisk:asterisk "$ETC/keys" /var/lib/asterisk /var/spool/asterisk /var/log/asterisk /var/run/asterisk
chmod 0600 "$ETC/keys/asterisk.key"

# asterisk.conf sets runuser/rungroup = asterisk: Asterisk drops root after binding its ports.
exec "$@"
