/**
 * The shell script of MinIOImageSource's setup Job, which registers the webhook target and the bucket's event rules
 * on the MinIO server with `mc`.
 */

/**
 * The setup Job's script: constant text, every value comes from the environment, so nothing from props is ever
 * interpreted by the shell. Safe to re-run: `mc admin config set` writes the same values, MinIO is only
 * restarted when the target is new or changed, and `mc event add --ignore-existing` skips rules that exist.
 */
export const SETUP_SCRIPT = `set -eu
set -f
# The keys reach mc on its standard input (printf is a shell builtin), not on its command line, which the container's
# other processes and the node's process listings show; mc reads them there when only the alias and URL are given.
# (The webhook's token has no such way in: mc admin config set takes it as an argument.)
printf '%s\\n%s\\n' "$MINIO_ACCESS_KEY" "$MINIO_SECRET_KEY" | mc alias set minio "$MINIO_ENDPOINT" >/dev/null
target="notify_webhook:$TARGET_ID"
# The target's ARN as MinIO lists it once loaded, with the server's region when it has one
# (arn:minio:sqs:<region>:<id>:webhook); nothing while the target is not loaded.
loaded_arn() {
  info="$(mc admin info minio --json)"
  case "$info" in
    *":$TARGET_ID:webhook\\""*)
      head="\${info%%:"$TARGET_ID":webhook\\"*}"
      echo "arn:minio:sqs:\${head##*\\"arn:minio:sqs:}:$TARGET_ID:webhook" ;;
  esac
}
# MinIO sends a one-word token as "Authorization: Bearer <token>", which is what the adapter checks.
case "$WEBHOOK_AUTH_TOKEN" in
  ""|*[[:space:]]*)
    echo "the webhook auth token must be one word without whitespace: MinIO sends it as 'Authorization: Bearer <token>', which the adapter checks" >&2
    exit 1 ;;
esac
# MinIO redacts auth_token when it lists the config, but never a comment: the token's digest there makes a new
# token a changed target, which MinIO loads only after a restart.
command -v sha256sum >/dev/null || { echo "the mc image needs sha256sum (coreutils) to fingerprint the auth token" >&2; exit 1; }
token_sha256="$(printf '%s' "$WEBHOOK_AUTH_TOKEN" | sha256sum)"
token_sha256="\${token_sha256%% *}"
before="$(mc admin config get minio "$target" 2>/dev/null || true)"
set -- endpoint="$WEBHOOK_ENDPOINT" auth_token="$WEBHOOK_AUTH_TOKEN" queue_dir="$QUEUE_DIR" comment="auth-token-sha256:$token_sha256"
if [ -n "$QUEUE_LIMIT" ]; then set -- "$@" queue_limit="$QUEUE_LIMIT"; fi
mc admin config set minio "$target" "$@"
after="$(mc admin config get minio "$target")"
arn="$(loaded_arn)"
if [ "$before" != "$after" ] || [ -z "$arn" ]; then
  if [ "$RESTART_MINIO" != true ]; then
    echo "webhook target $target is new or changed, and MinIO loads it only after a restart: run 'mc admin service restart', then run this Job again" >&2
    exit 1
  fi
  echo "webhook target $target is new or changed: restarting MinIO to load it"
  mc admin service restart minio
  arn="$(loaded_arn)"
  if [ -z "$arn" ]; then
    echo "MinIO did not load webhook target $target after the restart: check 'mc admin config get minio $target' and the MinIO logs" >&2
    exit 1
  fi
fi
# Rules of earlier settings stay: MinIO keeps them beside the new ones (eventFilter() drops what they send).
for suffix in \${SUFFIXES:-""}; do
  set -- "minio/$BUCKET" "$arn" --event "$EVENTS" --ignore-existing
  if [ -n "$PREFIX" ]; then set -- "$@" --prefix "$PREFIX"; fi
  if [ -n "$suffix" ]; then set -- "$@" --suffix "$suffix"; fi
  mc event add "$@"
done
mc event ls "minio/$BUCKET" "$arn"
`;
