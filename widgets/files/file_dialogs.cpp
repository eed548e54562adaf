#include "files/file_dialogs.h"

#include <QAbstractFileIconProvider>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QStyle>
#include <QTemporaryDir>

namespace reprise {

namespace {

    /// Icons and type names from the file's name and kind alone: QAbstractFileIconProvider's own
    /// icon() and type() ask QMimeDatabase, which reads the file's content when the name is not
    /// conclusive (a `-wal`, a `.db`).
    class NameOnlyIconProvider final : public QAbstractFileIconProvider {
    public:
        QIcon icon(IconType type) const override
        {
            QStyle* style = QApplication::style();
            switch (type) {
            case Computer:
                return style->standardIcon(QStyle::SP_ComputerIcon);
            case Drive:
                return style->standardIcon(QStyle::SP_DriveHDIcon);
            case Folder:
                return style->standardIcon(QStyle::SP_DirIcon);
            case Trashcan:
                return style->standardIcon(QStyle::SP_TrashIcon);
            case Desktop:
                return style->standardIcon(QStyle::SP_DesktopIcon);
            case Network:
                return style->standardIcon(QStyle::SP_DriveNetIcon);
            case File:
                break;
            }
            return style->standardIcon(QStyle::SP_FileIcon);
        }
        QIcon icon(const QFileInfo& info) const override
        {
            if (info.isRoot())
                return icon(Drive);
            if (info.isDir())
                return icon(Folder);
            return icon(File);
        }
        QString type(const QFileInfo& info) const override
        {
            if (info.isRoot())
                return QApplication::translate("reprise::FileDialogs", "Drive");
            if (info.isDir())
                return QApplication::translate("reprise::FileDialogs", "Folder");
            const QString suffix = info.suffix();
            return suffix.isEmpty() ? QApplication::translate("reprise::FileDialogs", "File")
                                    : QApplication::translate("reprise::FileDialogs", "%1 File").arg(suffix);
        }
    };

    QAbstractFileIconProvider* nameOnlyIconProvider()
    {
        static NameOnlyIconProvider provider; // outlives every dialog: the dialogs do not own it
        return &provider;
    }

    QString runForOne(QFileDialog* dialog)
    {
        const bool accepted = dialog->exec() == QDialog::Accepted && !dialog->selectedFiles().isEmpty();
        const QString chosen = accepted ? dialog->selectedFiles().constFirst() : QString();
        delete dialog;
        return chosen;
    }

} // namespace

QFileDialog* createFileDialog(QWidget* parent, const QString& caption, const QString& directory)
{
    // Constructed on an empty folder of our own, so that its model lists nothing before the provider
    // is in place (a folder that does not exist would make Qt start in the current one); only then
    // pointed at the real folder.
    static const QTemporaryDir empty;
    auto* dialog = new QFileDialog(parent, caption, empty.path());
    dialog->setOption(QFileDialog::DontUseNativeDialog);
    dialog->setOption(QFileDialog::DontUseCustomDirectoryIcons);
    dialog->setIconProvider(nameOnlyIconProvider());
    const QFileInfo start(directory);
    dialog->setDirectory(start.isDir() ? directory : start.absolutePath());
    if (!start.isDir() && !directory.isEmpty())
        dialog->selectFile(start.fileName());
    return dialog;
}

QString chooseOpenFile(QWidget* parent, const QString& caption, const QString& directory, const QString& filter)
{
    QFileDialog* dialog = createFileDialog(parent, caption, directory);
    dialog->setFileMode(QFileDialog::ExistingFile);
    dialog->setNameFilter(filter);
    return runForOne(dialog);
}

QString chooseDirectory(QWidget* parent, const QString& caption, const QString& directory)
{
    QFileDialog* dialog = createFileDialog(parent, caption, directory);
    dialog->setFileMode(QFileDialog::Directory);
    dialog->setOption(QFileDialog::ShowDirsOnly);
    return runForOne(dialog);
}

QString chooseSaveFile(QWidget* parent, const QString& caption, const QString& path, const QString& filter)
{
    QFileDialog* dialog = createFileDialog(parent, caption, path);
    dialog->setAcceptMode(QFileDialog::AcceptSave);
    dialog->setFileMode(QFileDialog::AnyFile);
    dialog->setNameFilter(filter);
    return runForOne(dialog);
}

QString chooseSource(QWidget* parent, SourceChoice choice, const QString& directory)
{
    const QString runData = QObject::tr("Run data (*.db *.sqlite *.reprise *.csv dvc.yaml *tfevents*);;All files (*)");
    switch (choice) {
    case SourceChoice::File:
        return chooseOpenFile(parent, QObject::tr("Open runs"), directory, runData);
    case SourceChoice::Folder:
        return chooseDirectory(parent,
            QObject::tr("Open a folder of runs (mlruns/, a TensorBoard log dir, a DVC project, Lightning logs)"),
            directory);
    case SourceChoice::ToImport:
        break;
    }
    const QString folder = chooseDirectory(parent,
        QObject::tr("Import runs from a folder (mlruns/, TensorBoard logs, a DVC project, Lightning logs) — or "
                    "cancel to choose a file"),
        directory);
    return !folder.isEmpty() ? folder
                             : chooseOpenFile(parent, QObject::tr("Import runs from a file"), directory, runData);
}

} // namespace reprise
