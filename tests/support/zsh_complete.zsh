#!/usr/bin/env zsh
# What zsh's own completion offers for command lines, as a user pressing TAB at their end gets it:
#   zsh -f zsh_complete.zsh FPATH_DIR 'esp_enc_img enc' 'esp_enc_img keygen ' ...
# prints, for each line, '<line N>' and then every match one a line. One interactive zsh runs in
# a pseudo-terminal (zpty) with compinit and FPATH_DIR first in $fpath; compadd is wrapped to
# print what it is asked to add. The markers waited for ('<ready>', '<done>', '<match>') are
# spelled split in the commands ('<rea''dy>'), so that the terminal's echo of a command, which
# may come late when the machine is busy, never passes for its output.
zmodload zsh/zpty || exit 3
dir=$1
shift
zpty shell zsh -f -i || exit 3
setup=(
  "PS1='' PROMPT='' RPROMPT=''"
  "bindkey -e"
  "fpath=(${(q)dir} \$fpath)"
  "autoload -Uz compinit && compinit -u -D"
  # a match list never waits for a key
  "zstyle ':completion:*' list-prompt '' ; zstyle ':completion:*' select-prompt ''"
  "LISTMAX=10000"
  # every match compadd would add, printed before it is added; calls that only collect
  # matches (-O, -A, -D) pass through
  "compadd() { if [[ \${@[1,(i)(-|--)]} == *-(O|A|D)\\ * ]]; then builtin compadd \"\$@\"; return; fi; local -a m; builtin compadd -O m \"\$@\"; print -rl -- \${^m/#/'<ma''tch>'}; builtin compadd \"\$@\" }"
  "eei-tab() { zle complete-word; print -r -- '<do''ne>' }"
  "zle -N eei-tab; bindkey '^I' eei-tab"
  "print -r -- '<rea''dy>'"
)
for l in $setup; do zpty -w shell "$l"; done
zpty -r -m shell out '*<ready>*' || exit 3
integer n=0
for cmdline in "$@"; do
  (( n++ ))
  zpty -w -n shell "$cmdline"$'\t'
  zpty -r -m shell out '*<done>*' || exit 3
  print -r -- "<line $n>"
  print -r -- ${(F)${(M)${(f)out//$'\r'/}:#*<match>*}} | sed -n 's/.*<match>//p' | sort -u
  zpty -w -n shell $'\C-e\C-u' # the next line starts empty
done
zpty -d shell
