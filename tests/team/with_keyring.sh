#!/usr/bin/env bash
# Runs a command with a desktop keyring of its own: a private D-Bus session (dbus-run-session) with
# gnome-keyring-daemon's Secret Service, its login keyring unlocked with $REPRISE_TEST_KEYRING_PASSWORD.
# The keyring's files live under $XDG_DATA_HOME (the test's temporary folder), so entries written by
# one call are read by the next. The daemon is stopped when the command ends; its exit code is kept.
#   usage: with_keyring.sh CMD ARGS...   (run under: dbus-run-session -- with_keyring.sh CMD ARGS...)
set -u
printf %s "${REPRISE_TEST_KEYRING_PASSWORD:?}" \
    | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
daemon=$!
# The Secret Service is there once the daemon owns its bus name (up to 30 s).
for _ in $(seq 300); do
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true && break
    sleep 0.1
done
"$@"
status=$?
kill "$daemon" 2>/dev/null
wait "$daemon" 2>/dev/null
exit $status
