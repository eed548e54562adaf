#pragma once
// What MLflow keeps about a dataset (2.4+), read the same way from its database and its file store.

#include "import/checked_number.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QString>

namespace reprise {

/// A dataset's row count from its MLflow profile (JSON): "num_rows" (pandas, Hugging Face and
/// others), "approx_count" (Spark); 0 when the profile says none.
inline qint64 mlflowProfileRows(const QString& profile)
{
    const QJsonObject object = QJsonDocument::fromJson(profile.toUtf8()).object();
    for (const char* key : { "num_rows", "approx_count" }) {
        const QJsonValue v = object.value(QLatin1String(key));
        if (v.isDouble()) {
            const std::optional<qint64> rows = checkedInteger(v.toDouble());
            if (rows && *rows >= 0)
                return *rows;
        }
    }
    return 0;
}

} // namespace reprise
