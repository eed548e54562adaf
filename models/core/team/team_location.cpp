#include "team/team_location.h"

#include <QRegularExpression>

namespace reprise {

bool isTeamStoreLocation(const QString& location)
{
    if (location.startsWith(QLatin1String("postgresql://")) || location.startsWith(QLatin1String("postgres://")))
        return true;
    // A key/value connection string: words like host=… dbname=… service=…, nothing a file name would be.
    static const QRegularExpression keyValue(QStringLiteral(
        R"(^\s*(host|hostaddr|port|dbname|user|service|sslmode|passfile|connect_timeout|application_name)\s*=)"));
    return keyValue.match(location).hasMatch();
}

bool teamLocationHasPassword(const QString& location)
{
    // userinfo with a colon before the host, a password parameter, or a password keyword.
    static const QRegularExpression password(
        QStringLiteral(R"(^postgres(ql)?://[^/?#@]*:[^/?#@]*@|[?&]password=|(^|\s)password\s*=)"),
        QRegularExpression::CaseInsensitiveOption);
    return isTeamStoreLocation(location) && password.match(location).hasMatch();
}

} // namespace reprise
