# fish completion for vtoken(1).  Installed by make install into
# $(datadir)/fish/vendor_completions.d; elsewhere, copy it to
# ~/.config/fish/completions/.  The commands are read from `vtoken --help`,
# so they follow the installed version; profile names come from the
# configuration file.

function __vtoken_commands
    vtoken --help 2>/dev/null | awk '/^Commands:/ { on = 1; next } on && /^$/ { exit }
        on { n = $1; $1 = ""; sub(/^ +/, ""); print n "\t" $0 }'
end

function __vtoken_profiles
    set -l dir $HOME/.config
    set -q XDG_CONFIG_HOME; and set dir $XDG_CONFIG_HOME
    test -r $dir/vtoken/config
    and sed -n 's/^[[:space:]]*\[\([^]]*\)\][[:space:]]*$/\1/p' $dir/vtoken/config
end

complete -c vtoken -f
complete -c vtoken -n __fish_use_subcommand -a '(__vtoken_commands)'

# Global options, before or after the command.
complete -c vtoken -l profile -x -a '(__vtoken_profiles)' -d 'Profile of the configuration file'
complete -c vtoken -l project -x -d 'Google Cloud project'
complete -c vtoken -l location -x -d 'Vertex AI location'
complete -c vtoken -l endpoint -x -d 'Vertex AI endpoint'
complete -c vtoken -l api-version -x -a 'v1 v1beta1' -d 'Vertex AI API version'
complete -c vtoken -l base-url -x -d 'The whole base URL'
complete -c vtoken -l credentials -r -F -d 'Credential file'
complete -c vtoken -l scopes -x -d 'OAuth scopes'
complete -c vtoken -l timeout -x -d 'Bound on the whole call'
complete -c vtoken -l listen -x -a '127.0.0.1:0 127.0.0.1:8787 localhost:8787 [::1]:8787 unix:/' -d 'Where serve listens'
complete -c vtoken -s v -l verbose -d 'More messages on stderr'
complete -c vtoken -s q -l quiet -d 'Only errors on stderr'
complete -c vtoken -s h -l help -d 'Print the usage'
complete -c vtoken -s V -l version -d 'Print the version'

# Command options.
complete -c vtoken -n '__fish_seen_subcommand_from token status' -l json -d 'Print JSON'
complete -c vtoken -n '__fish_seen_subcommand_from env' -l shell -x \
    -a 'sh bash zsh fish csh tcsh powershell pwsh dotenv json' -d 'Syntax to print'
complete -c vtoken -n '__fish_seen_subcommand_from env' -l unset -d 'Print removals instead'
complete -c vtoken -n '__fish_seen_subcommand_from env' -l key-var -x -d 'Variable for the token'
complete -c vtoken -n '__fish_seen_subcommand_from env' -l url-var -x -d 'Variable for the base URL'
complete -c vtoken -n '__fish_seen_subcommand_from env exec' -l serve -d 'Use the broker (env: the running one; exec: a private one)'
complete -c vtoken -n '__fish_seen_subcommand_from serve exec' -l metadata -d 'Also emulate the metadata server'
complete -c vtoken -n '__fish_seen_subcommand_from serve' -l no-openai -d 'No OpenAI proxy (with --metadata)'
complete -c vtoken -n '__fish_seen_subcommand_from serve' -l rotate-key -d 'Make a new local key'
complete -c vtoken -n '__fish_seen_subcommand_from git-credential' -a 'get store erase'
complete -c vtoken -n '__fish_seen_subcommand_from docker-credential' -a 'get store erase list version'
complete -c vtoken -n '__fish_seen_subcommand_from configure-docker' -l dry-run -d 'Show the change, write nothing'
complete -c vtoken -n '__fish_seen_subcommand_from help' -a '(__vtoken_commands)'
complete -c vtoken -n '__fish_seen_subcommand_from exec' -a '(__fish_complete_subcommand --fcs-skip=2)'

complete -c git-credential-vtoken -f -a 'get store erase'
complete -c docker-credential-vtoken -f -a 'get store erase list version'
