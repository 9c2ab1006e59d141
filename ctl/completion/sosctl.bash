# bash completion for sosctl (installed as .../bash-completion/completions/sosctl).
# Commands and options are listed here by hand; a test checks them against
# `sosctl --help` so that the two cannot drift apart.
_sosctl() {
  local cur prev words cword
  _init_completion 2>/dev/null || {
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    words=("${COMP_WORDS[@]}")
    cword=$COMP_CWORD
  }
  local commands="mb rb ls cp sync mirror put get rm stat cat du headers acl cors mount presign share public-url alias admin org key"
  local globals="--endpoint-url --endpoint --region --profile --json --no-progress --ca-bundle --no-verify-ssl --help --version"
  local transfer="--recursive -r --include --exclude --parallel --no-follow-symlinks --dry-run --acl --content-type --cache-control --content-disposition --content-encoding --content-language --expires --meta"
  local cmd="" i
  for ((i = 1; i < cword; i++)); do
    case ${words[i]} in
      -*) ;;
      *) cmd=${words[i]}; break ;;
    esac
  done
  case $prev in
    --endpoint-url | --endpoint | --region | --profile | --parallel | --include | --exclude | --acl | --content-type | --cache-control | --meta | --expires | --method | --header)
      return ;;
    --ca-bundle)
      COMPREPLY=($(compgen -f -- "$cur"))
      return ;;
  esac
  if [ -z "$cmd" ]; then
    COMPREPLY=($(compgen -W "$commands $globals" -- "$cur"))
    return
  fi
  local opts=""
  case $cmd in
    cp) opts="$transfer" ;;
    sync | mirror) opts="$transfer --delete --checksum" ;;
    ls | rm) opts="--recursive -r" ;;
    rb) opts="--force" ;;
    mb) opts="--acl" ;;
    put) opts="--acl --content-type --cache-control --meta" ;;
    presign | share) opts="--method --expires --once --acl --header" ;;
    acl) opts="get set" ;;
    alias) opts="set ls rm" ;;
    cors) opts="get set rm" ;;
    mount) opts="status wait --timeout" ;;
    admin) opts="info scrub heal object --now" ;;
    org) opts="create list rm" ;;
    key) opts="create list revoke" ;;
  esac
  if [[ $cur == -* ]]; then
    COMPREPLY=($(compgen -W "$opts $globals" -- "$cur"))
  elif [[ $cmd =~ ^(acl|alias|cors|mount|admin|org|key)$ ]] && [ "$prev" = "$cmd" ]; then
    COMPREPLY=($(compgen -W "$opts" -- "$cur"))
  else
    # Local paths for cp, sync and put; s3:// is typed as it is.
    COMPREPLY=($(compgen -f -- "$cur"))
  fi
}
complete -o filenames -F _sosctl sosctl
