#!/bin/sh
# Runs Orthanc as the orthanc user with the one configuration file
# /etc/orthanc/orthanc.json (the packages' own files are removed). setpriv execs in place, so Orthanc is PID 1 and gets the stop
# signal itself. Any other command runs as given.
set -e
if [ "$1" = 'Orthanc' ] && [ "$(id -u)" = '0' ]; then
  mkdir -p /var/lib/orthanc/db
  chown -R orthanc:orthanc /var/lib/orthanc/db
  exec setpriv --reuid=orthanc --regid=orthanc --init-groups -- "$@"
fi
exec "$@"
