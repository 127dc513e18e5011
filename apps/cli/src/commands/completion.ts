import { Argument, type Command } from 'commander';
import { commandPath, everyCommand } from '../help-examples';

/** What a shell may complete after a command path: its subcommands and its options (global ones included). */
function completionsOf(command: Command, root: Command): string[] {
  const subcommands = command.commands.map((sub) => sub.name()).filter((name) => name !== 'help');
  const options = [...command.options, ...(command === root ? [] : root.options)].flatMap((option) =>
    [option.long, option.short].filter((flag): flag is string => flag !== undefined),
  );
  return [...subcommands, ...options, '--help'];
}

/**
 * A bash completion script, generated from the command tree: the words so far (flags skipped) name a command path,
 * and the candidates are that command's subcommands and options.
 */
export function bashCompletion(root: Command): string {
  const cases = everyCommand(root).map((command) => {
    const path = command === root ? '' : commandPath(command);
    return `    "${path}") words="${completionsOf(command, root).join(' ')}" ;;`;
  });
  return `# distlab completion for bash: source this file, e.g. from ~/.bashrc
_distlab() {
  local current="\${COMP_WORDS[COMP_CWORD]}" path="" word words candidate
  for word in "\${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    [[ "$word" == -* ]] && continue
    candidate="\${path:+$path }$word"
    case "$candidate" in
${everyCommand(root)
  .filter((command) => command !== root)
  .map((command) => `      "${commandPath(command)}") path="$candidate" ;;`)
  .join('\n')}
    esac
  done
  case "$path" in
${cases.join('\n')}
  esac
  COMPREPLY=( $(compgen -W "$words" -- "$current") )
}
complete -o default -F _distlab distlab
`;
}

/** A zsh completion script: zsh's bashcompinit runs the bash one, which keeps one generator to trust. */
export function zshCompletion(root: Command): string {
  return `#compdef distlab
# distlab completion for zsh: put this file on $fpath as _distlab (or source it from ~/.zshrc)
autoload -U +X bashcompinit && bashcompinit
${bashCompletion(root).replace(/^# .*\n/, '')}`;
}

export function completionCommand(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (bash or zsh), made from the command tree')
    .addArgument(new Argument('<shell>', 'the shell').choices(['bash', 'zsh']))
    .action((shell: 'bash' | 'zsh') => {
      process.stdout.write(shell === 'bash' ? bashCompletion(program) : zshCompletion(program));
    });
}
