#pragma once

#include <QString>

class QWidget;

namespace reprise {

/// File ▸ Connect to Team Store…: asks for a PostgreSQL location (a libpq URI or key/value string),
/// says where the password comes from (never typed here), and accepts only what names a server.
/// Empty when cancelled.
QString askTeamStoreLocation(QWidget* parent, const QString& suggested = {});

} // namespace reprise
