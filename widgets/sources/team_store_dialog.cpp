#include "sources/team_store_dialog.h"

#include "team/team_location.h"

#include <QDialog>
#include <QDialogButtonBox>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QVBoxLayout>

namespace reprise {

QString askTeamStoreLocation(QWidget* parent, const QString& suggested)
{
    QDialog dialog(parent);
    dialog.setWindowTitle(QObject::tr("Connect to Team Store"));
    auto* layout = new QVBoxLayout(&dialog);
    auto* intro = new QLabel(QObject::tr("The team's PostgreSQL store, as libpq names it:"), &dialog);
    auto* location = new QLineEdit(suggested, &dialog);
    location->setPlaceholderText(QStringLiteral("postgresql://alice@db.lab/reprise   or   service=team"));
    location->setAccessibleName(QObject::tr("Team store location"));
    location->setMinimumWidth(460);
    auto* help = new QLabel(QObject::tr("The password comes from ~/.pgpass, PGPASSFILE, a service file, or the "
                                        "desktop keyring (reprise team login LOCATION): it is never typed here, "
                                        "and a location holding one is used but not remembered."),
        &dialog);
    help->setWordWrap(true);
    help->setTextFormat(Qt::PlainText);
    auto* problem = new QLabel(&dialog);
    problem->setTextFormat(Qt::PlainText);
    problem->setStyleSheet(QStringLiteral("color: #8a1c1c;"));
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, &dialog);
    buttons->button(QDialogButtonBox::Ok)->setText(QObject::tr("Connect"));
    layout->addWidget(intro);
    layout->addWidget(location);
    layout->addWidget(problem);
    layout->addWidget(help);
    layout->addWidget(buttons);
    const auto check = [&] {
        const QString text = location->text().trimmed();
        const bool valid = isTeamStoreLocation(text);
        buttons->button(QDialogButtonBox::Ok)->setEnabled(valid);
        problem->setText(text.isEmpty() || valid
                ? QString()
                : QObject::tr("Not a PostgreSQL location: start with postgresql:// or write key=value pairs "
                              "(host=… dbname=…, service=…)."));
    };
    QObject::connect(location, &QLineEdit::textChanged, &dialog, check);
    QObject::connect(buttons, &QDialogButtonBox::accepted, &dialog, &QDialog::accept);
    QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
    check();
    return dialog.exec() == QDialog::Accepted ? location->text().trimmed() : QString();
}

} // namespace reprise
