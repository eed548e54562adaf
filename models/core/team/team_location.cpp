#include "team/team_location.h"

#include <QRegularExpression>
#include <QUrl>

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
    // userinfo with a colon before a host (also inside a dbname, which libpq expands as a location of
    // its own), or any password keyword or parameter (password, sslpassword, …). Percent-decoded first,
    // because libpq decodes a URI's parameter names and values.
    static const QRegularExpression password(
        QStringLiteral(R"(://[^/?#@\s]*:[^/?#@\s]*@|[?&][a-z_]*password=|(^|[\s'"])[a-z_]*password\s*=)"),
        QRegularExpression::CaseInsensitiveOption);
    const QString decoded = QUrl::fromPercentEncoding(location.toUtf8());
    return isTeamStoreLocation(location) && (password.match(location).hasMatch() || password.match(decoded).hasMatch());
}

} // namespace reprise
