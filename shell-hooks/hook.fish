# denv prompt hook for fish: `denv hook fish | source` in ~/.config/fish/config.fish.
# Runs `denv export fish` before each prompt and whenever the directory changes.
# @DENV@ is replaced by the quoted absolute path of the denv executable.
function __denv_export_eval --on-event fish_prompt
    @DENV@ export fish | source
end

function __denv_cd_hook --on-variable PWD
    # A `cd` inside a command substitution is not the user moving.
    if status --is-command-substitution
        return
    end
    # Notices wait for the prompt's call, so they appear once.
    @DENV@ export fish --quiet | source
end
