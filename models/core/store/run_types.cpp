#include "store/run_types.h"

#include <QJsonDocument>

namespace reprise {

QString toString(RunStatus status)
{
    switch (status) {
    case RunStatus::Running:
        return QStringLiteral("running");
    case RunStatus::Finished:
        return QStringLiteral("finished");
    case RunStatus::Failed:
        return QStringLiteral("failed");
    case RunStatus::Killed:
        return QStringLiteral("killed");
    }
    return QStringLiteral("running");
}

std::optional<RunStatus> parseRunStatus(const QString& text)
{
    for (RunStatus s : { RunStatus::Running, RunStatus::Finished, RunStatus::Failed, RunStatus::Killed }) {
        if (toString(s) == text)
            return s;
    }
    return std::nullopt;
}

ParamValue ParamValue::infer(const QString& text)
{
    bool ok = false;
    text.toLongLong(&ok);
    if (ok)
        return { text, QStringLiteral("int") };
    text.toDouble(&ok);
    if (ok || text == QLatin1String("nan") || text == QLatin1String("inf") || text == QLatin1String("-inf"))
        return { text, QStringLiteral("float") };
    if (text == QLatin1String("true") || text == QLatin1String("false"))
        return { text, QStringLiteral("bool") };
    if ((text.startsWith(u'[') || text.startsWith(u'{')) && !QJsonDocument::fromJson(text.toUtf8()).isNull())
        return { text, QStringLiteral("json") };
    return { text, QStringLiteral("str") };
}

} // namespace reprise
