package dev.safetensors.cli;

import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.UnmatchedArgumentException;

/** {@code safetensors help [COMMAND]}: the usage of the tool, or of one command (what {@code --help} prints). */
final class HelpCommand implements Callable<Integer> {
    final CommandSpec spec;
    private String command;

    HelpCommand() {
        spec = CommandModel.command("help", this, new String[] {"Show the usage of safetensors, or of one COMMAND."},
                "  safetensors help convert");
        spec.helpCommand(true);
        spec.addPositional(CommandModel.positional(0, "COMMAND", String.class, () -> command, v -> command = v)
                .arity("0..1").required(false).description("the command to show the usage of")
                // The commands, for the completion scripts: picocli lists them by itself only for its own
                // HelpCommand class, which this is not (TAB after 'safetensors help' completed them in dba9eec).
                .completionCandidates(Main.commandNames().stream().filter(c -> !c.equals("help")).toList())
                .build());
    }

    @Override
    public Integer call() {
        CommandLine root = spec.root().commandLine();
        CommandLine shown = root;
        if (command != null) {
            shown = root.getSubcommands().get(command);
            if (shown == null) {
                // Raised on the root, as a typo of a command is: the line suggests the nearest commands and points
                // to 'safetensors --help', the list of them, not to the help command's own help.
                throw new UnmatchedArgumentException(root, List.of(command));
            }
        }
        shown.usage(spec.commandLine().getOut());
        spec.commandLine().getOut().flush();
        return ExitCode.OK;
    }
}
