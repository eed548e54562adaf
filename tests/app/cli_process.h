#pragma once
// Helpers of the end-to-end command-line tests: real `reprise` processes and real git repositories.

#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QRegularExpression>
#include <QTest>

struct Outcome {
    int exitCode = -1;
    QString out;
    QString err;
};

inline QProcessEnvironment baseEnvironment()
{
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.remove(QStringLiteral("REPRISE_DB"));
    env.remove(QStringLiteral("REPRISE_RUN_ID"));
    env.remove(QStringLiteral("REPRISE_PARAMS"));
    env.insert(QStringLiteral("PYTHONPATH"), QStringLiteral(REPRISE_CLIENT_DIR));
    return env;
}

inline Outcome runReprise(const QStringList& args, const QString& cwd = {}, QProcessEnvironment env = baseEnvironment())
{
    QProcess p;
    p.setProcessEnvironment(env);
    if (!cwd.isEmpty())
        p.setWorkingDirectory(cwd);
    p.start(QStringLiteral(REPRISE_BIN), args);
    if (!p.waitForFinished(120000)) {
        p.kill();
        p.waitForFinished();
        return { -2, {}, QStringLiteral("timed out") };
    }
    return { p.exitStatus() == QProcess::NormalExit ? p.exitCode() : -1, QString::fromUtf8(p.readAllStandardOutput()),
        QString::fromUtf8(p.readAllStandardError()) };
}

inline void git(const QString& dir, const QStringList& args)
{
    QProcess p;
    p.setWorkingDirectory(dir);
    p.start(QStringLiteral("git"), args);
    QVERIFY(p.waitForFinished());
    QVERIFY2(p.exitCode() == 0, p.readAllStandardError().constData());
}

inline QString gitOutput(const QString& dir, const QStringList& args)
{
    QProcess p;
    p.setWorkingDirectory(dir);
    p.start(QStringLiteral("git"), args);
    p.waitForFinished();
    return QString::fromUtf8(p.readAllStandardOutput()).trimmed();
}

inline void writeFile(const QString& path, const QByteArray& content)
{
    QFile f(path);
    QVERIFY(f.open(QIODevice::WriteOnly | QIODevice::Truncate));
    f.write(content);
}

/// The run id printed by `reprise run` on stderr.
inline QString runIdFrom(const QString& err)
{
    static const QRegularExpression re(QStringLiteral("run ([0-9a-f]{32})"));
    return re.match(err).captured(1);
}

inline QJsonObject showJson(const QString& db, const QString& id)
{
    const Outcome o = runReprise({ "show", id, "--db", db, "--json" });
    if (o.exitCode != 0)
        qWarning() << o.err;
    return QJsonDocument::fromJson(o.out.toUtf8()).object();
}
