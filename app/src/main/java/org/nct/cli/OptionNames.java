package org.nct.cli;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.nct.InvalidSettingException;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The engine names settings by their parameter names ({@code steps}, {@code weightDecay}); a
 * command line user knows them as options ({@code --steps}, {@code --weight-decay}). For each
 * setting that an {@link InvalidSettingException} in the exception's chain declares, and that the
 * running command has as the option {@code --kebab-case-name}, the message gets the option's
 * longest name in place of the parameter name. Settings the command has no option for stay as the
 * engine wrote them.
 */
public final class OptionNames {
    private OptionNames() { }

    /** The message of {@code e} with the settings it declares named as {@code spec}'s options. */
    public static String message(Throwable e, CommandSpec spec) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (!(t instanceof InvalidSettingException s)) continue;
            for (String setting : s.settings()) {
                String option = option(spec, setting);
                if (option != null) msg = replaceWord(msg, setting, option);
            }
        }
        return msg;
    }

    /** The longest name of {@code spec}'s option {@code --kebab-case(setting)}, or null when it has none. */
    static String option(CommandSpec spec, String setting) {
        OptionSpec o = spec.findOption("--" + kebab(setting));
        return o == null ? null : o.longestName();
    }

    /** weightDecay → weight-decay. */
    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** {@code word} replaced where it stands alone: not within a longer word, an option or a path. */
    static String replaceWord(String text, String word, String by) {
        Pattern p = Pattern.compile("(?<![\\w./-])" + Pattern.quote(word) + "(?![\\w/-]|\\.\\w)");
        return p.matcher(text).replaceAll(Matcher.quoteReplacement(by));
    }
}
