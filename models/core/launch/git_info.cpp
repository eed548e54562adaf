#include "launch/git_info.h"

#include <QProcess>

namespace reprise {

namespace {

    /// Runs git in `directory`; returns stdout, or a null string when git fails.
    QString git(const QString& directory, const QStringList& args)
    {
        QProcess process;
        process.setWorkingDirectory(directory);
        process.start(QStringLiteral("git"), args);
        if (!process.waitForFinished(30000) || process.exitStatus() != QProcess::NormalExit || process.exitCode() != 0)
            return {};
        QString out = QString::fromUtf8(process.readAllStandardOutput());
        return out.isNull() ? QStringLiteral("") : out;
    }

} // namespace

CodeVersion captureCodeVersion(const QString& directory)
{
    CodeVersion code;
    const QString root = git(directory, { QStringLiteral("rev-parse"), QStringLiteral("--show-toplevel") });
    if (root.isNull())
        return code;
    code.root = root.trimmed();
    const QString head
        = git(directory, { QStringLiteral("rev-parse"), QStringLiteral("--verify"), QStringLiteral("HEAD") });
    code.commit = head.trimmed();
    const QString branch = git(directory,
        { QStringLiteral("symbolic-ref"), QStringLiteral("--short"), QStringLiteral("-q"), QStringLiteral("HEAD") });
    code.branch = branch.trimmed();
    const QString status = git(directory, { QStringLiteral("status"), QStringLiteral("--porcelain") });
    code.dirty = !status.trimmed().isEmpty();
    if (code.dirty && !code.commit.isEmpty())
        code.patch = git(directory, { QStringLiteral("diff"), QStringLiteral("HEAD"), QStringLiteral("--binary") });
    return code;
}

} // namespace reprise
