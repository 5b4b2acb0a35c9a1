#!/bin/sh
# Stand-in for the official nginx image's entrypoint, the parts compose.yaml relies on: every
# /etc/nginx/templates/*.template is rendered into /etc/nginx/conf.d/ with the environment's
# variables (only those: nginx's own $variables stay), and NGINX_ENTRYPOINT_LOCAL_RESOLVERS sets
# NGINX_LOCAL_RESOLVERS to the container's DNS servers from /etc/resolv.conf.
set -eu
if [ -n "${NGINX_ENTRYPOINT_LOCAL_RESOLVERS:-}" ]; then
  NGINX_LOCAL_RESOLVERS=$(awk '/^nameserver/ { printf "%s%s", sep, ($2 ~ /:/ ? "[" $2 "]" : $2); sep = " " }' /etc/resolv.conf)
  export NGINX_LOCAL_RESOLVERS
fi
defined=$(env | cut -d= -f1 | sed 's/^/$/' | tr '\n' ' ')
for template in /etc/nginx/templates/*.template; do
  [ -e "$template" ] || continue
  envsubst "$defined" < "$template" > "/etc/nginx/conf.d/$(basename "$template" .template)"
done
exec "$@"
