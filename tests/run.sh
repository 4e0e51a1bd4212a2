#!/usr/bin/env bash
# The whole test suite, as CI runs it: system packages the tests use, build, type
# check, lint, then every test. Safe to run again; installs only what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v swaks >/dev/null || need+=(swaks)
command -v curl >/dev/null || need+=(curl)
command -v python3 >/dev/null || need+=(python3)
command -v fetchmail >/dev/null || need+=(fetchmail)
command -v mbsync >/dev/null || need+=(isync)
command -v openssl >/dev/null || need+=(openssl)
command -v sieve-test >/dev/null || need+=(dovecot-sieve)
# dovecot-imapd: the IMAP migration tests start their own Dovecot (tests/migration/dovecot.ts)
[ -x /usr/lib/dovecot/imap ] || need+=(dovecot-imapd)
command -v sieve-connect >/dev/null || need+=(sieve-connect)
command -v dnsmasq >/dev/null || need+=(dnsmasq-base)
command -v smtp-sink >/dev/null || need+=(postfix)
# clamd for the virus tests (they start their own; clamav-freshclam comes with it)
[ -x /usr/sbin/clamd ] || need+=(clamav-daemon)
# spamd for the SpamAssassin second-opinion tests (they start their own on a free port)
[ -x /usr/sbin/spamd ] || need+=(spamd)
command -v nmap >/dev/null || need+=(nmap)
# testssl.sh checks the TLS profiles of the listeners (tests/certs/testssl.test.ts)
command -v testssl >/dev/null || need+=(testssl.sh)
# cyrus-common (and saslpasswd2 from sasl2-bin): the Cyrus spool migration test starts its own Cyrus (tests/migration/cyrus.ts);
# its imapd comes from cyrus-imapd, unpacked below, since that package conflicts with dovecot-imapd
[ -x /usr/lib/cyrus/bin/master ] || need+=(cyrus-common)
[ -x /usr/sbin/saslpasswd2 ] || need+=(sasl2-bin)
# pebble, the ACME test CA, for the certificate orders and renewals (tests/certs/acme-pebble.test.ts)
command -v pebble >/dev/null || need+=(pebble)
# fail2ban-regex checks the fail2ban filter in docs/security-auth.md against real log lines
command -v fail2ban-regex >/dev/null || need+=(fail2ban)
# prometheus scrapes the engine's /metrics in tests/metrics/prometheus.test.ts (it runs its own)
command -v prometheus >/dev/null || need+=(prometheus)
# Debian's Chromium for the console's browser tests (tests/console/; puppeteer-core never downloads one)
[ -x /usr/bin/chromium ] || need+=(chromium)
# and Debian's Firefox ESR for the same walk in Gecko (puppeteer-core over WebDriver BiDi)
[ -x /usr/bin/firefox-esr ] || need+=(firefox-esr)
# and WebKitGTK's WebDriver (it starts MiniBrowser, from libwebkit2gtk) under Xvfb, a display
# in memory, for the walk in WebKit (tests/console/walk-webkit.test.ts; Playwright's WebKit is a download)
[ -x /usr/bin/WebKitWebDriver ] || need+=(webkit2gtk-driver)
[ -x /usr/bin/Xvfb ] || need+=(xvfb)
# CJK fonts, so that the Japanese and Korean list pages' screenshots show text, not boxes
[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need+=(fonts-noto-cjk)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    # The tests run their own throw-away servers (smtp-sink, dnsmasq, sieve-test, clamd);
    # the packages' system services must not start and take ports such as 25.
    cleanup_policy=
    if [ ! -e /usr/sbin/policy-rc.d ]; then
      printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
      cleanup_policy=1
    fi
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
    if [ -n "$cleanup_policy" ]; then rm -f /usr/sbin/policy-rc.d; fi
  else
    echo "tests need: ${need[*]} (run as root to install them, or install them yourself)" >&2
    exit 1
  fi
fi

# Cyrus's imapd without installing cyrus-imapd (it conflicts with dovecot-imapd: both provide imap-server).
CYRUS_UNPACKED=/var/cache/pillarbox-tests/cyrus-imapd
if [ ! -x /usr/lib/cyrus/bin/imapd ] && [ ! -x "$CYRUS_UNPACKED/usr/lib/cyrus/bin/imapd" ] && [ "$(id -u)" = 0 ]; then
  deb_dir=$(mktemp -d)
  chmod 755 "$deb_dir"
  if (cd "$deb_dir" && { apt-get download -qq cyrus-imapd 2>/dev/null || { apt-get update -qq && apt-get download -qq cyrus-imapd; }; }); then
    mkdir -p "$CYRUS_UNPACKED"
    dpkg-deb -x "$deb_dir"/cyrus-imapd_*.deb "$CYRUS_UNPACKED"
  else
    echo "could not download cyrus-imapd: the Cyrus spool test will skip" >&2
  fi
  rm -rf "$deb_dir"
fi

npm run build --silent
npm run lint --silent
# 600 s per file: the testssl scans took 60-80 s each on a busy 2-core machine in session 9, and
# 170-180 s each alone on session 11's (the same for the code before and after that session),
# over 300 s when both ran at once beside other work.
node --test --test-concurrency=2 --test-timeout=600000 $(find dist/tests -name '*.test.js' | sort)
