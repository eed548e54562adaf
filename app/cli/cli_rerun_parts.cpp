#include "cli/cli_rerun_parts.h"

#include "cli/cli_common.h"
#include "text/display_text.h"

#include <QJsonArray>
#include <QTextStream>
#include <unistd.h>

namespace reprise::cli {

namespace {
    QString paramText(const ParamValue& p) { return visibleText(p.value); }
}

/// The draft as a person reads it before confirming: everything that will execute. Every text
/// from the database goes through visibleText(): no escape sequence reaches the terminal.
QString draftText(const RerunDraft& draft, bool fullPatch, const QString& codeLine)
{
    QString out;
    out += QStringLiteral("Rerun of run %1 (%2/%3)\n")
               .arg(visibleText(draft.originalId), visibleText(draft.project), visibleText(draft.originalName));
    out += QStringLiteral("  command:      ") + visibleText(displayCommand(draft.argv)) + u'\n';
    out += QStringLiteral("  working dir:  ") + visibleText(draft.workingDir) + u'\n';
    out += QStringLiteral("  code:         ") + visibleText(codeLine.isEmpty() ? draft.codeSummary() : codeLine)
        + u'\n';
    out += QStringLiteral("  recorded in:  ") + visibleText(draft.target) + u'\n';
    if (draft.environment.isEmpty())
        out += QStringLiteral("  environment:  (no overrides recorded)\n");
    for (auto it = draft.environment.begin(); it != draft.environment.end(); ++it) {
        out += QStringLiteral("  environment:  ") + visibleText(it.key()) + u'=' + visibleText(*it);
        if (draft.heldBack.contains(it.key()))
            out += QStringLiteral("   <- NOT applied (changes which code runs; --allow-env ") + visibleText(it.key())
                + QStringLiteral(" to apply it)");
        else if (isSensitiveVariable(it.key()))
            out += QStringLiteral("   <- changes which code runs");
        out += u'\n';
    }
    const auto edited = draft.editedParams();
    for (auto it = draft.params.begin(); it != draft.params.end(); ++it) {
        out += QStringLiteral("  param:        ") + visibleText(it.key()) + u'=' + paramText(*it);
        if (edited.contains(it.key()))
            out += draft.recordedParams.contains(it.key())
                ? QStringLiteral("   (edited; recorded ") + paramText(draft.recordedParams.value(it.key())) + u')'
                : QStringLiteral("   (added)");
        out += u'\n';
    }
    const PatchSummary patch = summarizePatch(draft.code.patch);
    if (!draft.code.patch.isEmpty()) {
        out += QStringLiteral("  patch:        ") + patch.text()
            + (draft.runsInWorktree() || !codeLine.isEmpty()
                    ? QStringLiteral(", applied to the recorded commit before running\n")
                    : QStringLiteral(", recorded (not applied: running in place)\n"));
        for (const PatchSummary::File& file : patch.files)
            out += QStringLiteral("                  %1  +%2 \u2212%3%4\n")
                       .arg(visibleText(file.path))
                       .arg(file.added)
                       .arg(file.removed)
                       .arg(file.binary ? QStringLiteral(" (binary)") : QString());
        if (fullPatch)
            out += QStringLiteral("----- recorded patch -----\n") + visibleText(draft.code.patch, LineBreaks::Keep)
                + QStringLiteral("\n----- end of patch -----\n");
        else
            out += QStringLiteral("                  (--show-patch prints it in full)\n");
    }
    if (draft.untrusted)
        out += QStringLiteral("  UNTRUSTED:    ")
            + (codeLine.isEmpty() ? QStringLiteral("this database is a shared source (")
                                  : QStringLiteral("this run is not from your database ("))
            + visibleText(draft.trustReason)
            + QStringLiteral("); read the command, environment and patch above before confirming\n");
    return out;
}

QJsonObject draftJson(const RerunDraft& draft)
{
    QJsonObject params, environment;
    for (auto it = draft.params.begin(); it != draft.params.end(); ++it)
        params.insert(it.key(), it->value);
    for (auto it = draft.environment.begin(); it != draft.environment.end(); ++it)
        environment.insert(it.key(), *it);
    QStringList heldBack(draft.heldBack.begin(), draft.heldBack.end());
    heldBack.sort();
    const PatchSummary summary = summarizePatch(draft.code.patch);
    QJsonArray files;
    for (const PatchSummary::File& file : summary.files)
        files.append(QJsonObject { { QStringLiteral("path"), file.path }, { QStringLiteral("added"), file.added },
            { QStringLiteral("removed"), file.removed }, { QStringLiteral("binary"), file.binary } });
    const QJsonObject patch { { QStringLiteral("files"), files }, { QStringLiteral("added"), summary.added },
        { QStringLiteral("removed"), summary.removed }, { QStringLiteral("text"), draft.code.patch } };
    return QJsonObject { { QStringLiteral("original"), draft.originalId },
        { QStringLiteral("environment_held_back"), QJsonArray::fromStringList(heldBack) },
        { QStringLiteral("patch"), patch }, { QStringLiteral("argv"), QJsonArray::fromStringList(draft.argv) },
        { QStringLiteral("working_dir"), draft.workingDir }, { QStringLiteral("environment"), environment },
        { QStringLiteral("params"), params },
        { QStringLiteral("edited"), QJsonArray::fromStringList(draft.editedParams().keys()) },
        { QStringLiteral("commit"), draft.code.commit }, { QStringLiteral("worktree"), draft.runsInWorktree() },
        { QStringLiteral("code"), draft.codeSummary() }, { QStringLiteral("untrusted"), draft.untrusted } };
}

/// Asks on the terminal; false when there is none (then --yes is the only way).
bool confirmOnTerminal(const char* question)
{
    if (!::isatty(STDIN_FILENO))
        return false;
    std::fputs(question, stderr);
    std::fflush(stderr);
    QTextStream in(stdin);
    const QString answer = in.readLine().trimmed().toLower();
    return answer == QLatin1String("y") || answer == QLatin1String("yes");
}

void writeAll(FILE* stream, const QByteArray& bytes)
{
    std::fwrite(bytes.constData(), 1, size_t(bytes.size()), stream);
    std::fflush(stream);
}

} // namespace reprise::cli
