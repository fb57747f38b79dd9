#pragma once

// The window the training tests start from: the encoder-decoder example saved
// in a temporary folder, a TrainingController on it, and the panel's controls.

#include "MainWindow.h"
#include "document/Project.h"
#include "TrainingController.h"
#include "TrainingPanel.h"
#include "training/TrainingSettings.h"

#include <QAction>
#include <QApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QLineEdit>
#include <QAbstractItemView>
#include <QMessageBox>
#include <QMenuBar>
#include <QPointer>
#include <QPushButton>
#include <QTimer>
#include <QTemporaryDir>
#include <QtTest>

#include <functional>
#include <memory>

using namespace mc;

/// A base without Q_OBJECT: it has no test functions of its own.
class TrainingWindowFixture : public QObject
{
protected:
    /// Call from init(): `prepare` runs on the controller before the example opens.
    void openWindow(const std::function<void(TrainingController *)> &prepare = {})
    {
        m_dir = std::make_unique<QTemporaryDir>();
        m_window = std::make_unique<MainWindow>(m_dir->filePath(QStringLiteral("autosave")));
        m_controller = new TrainingController(m_window.get());
        if (prepare)
            prepare(m_controller);
        QString error;
        QVERIFY2(m_window->openExample(QStringLiteral("encoder-decoder.mcproj"), &error), qPrintable(error));
        QVERIFY2(m_window->saveFile(m_dir->filePath(QStringLiteral("model.mcproj")), &error), qPrintable(error));
        m_window->show();
    }
    /// Call from cleanup(): stops a run still going (waiting at most `ms`) and closes the window.
    void closeWindow(int ms)
    {
        if (m_controller)
            QVERIFY(m_controller->stopAndWait(ms));
        m_window.reset();
        m_controller = nullptr;
        m_dir.reset();
    }

    QPushButton *button(const char *name) const
    {
        return m_controller->panel()->findChild<QPushButton *>(QLatin1String(name));
    }
    /// Changes the project's training settings through the panel (an edit),
    /// then saves the project: the test goes on from a saved document.
    void setTraining(const std::function<void(TrainingSettings &)> &edit)
    {
        TrainingSettings s = TrainingSettings::fromJson(m_window->project()->training());
        edit(s);
        m_controller->panel()->setSettings(s);
        QString error;
        QVERIFY2(m_window->saveFile(m_window->filePath(), &error), qPrintable(error));
    }

    /// The File menu's action whose text (without `&`) is `text`, in the menu
    /// itself or in one of its submenus (`Open Recent`).
    QAction *fileAction(const QString &text) const
    {
        for (QAction *menuAction : m_window->menuBar()->actions()) {
            if (!menuAction->menu() || menuAction->text().remove(QLatin1Char('&')) != QStringLiteral("File"))
                continue;
            for (QAction *a : menuAction->menu()->actions())
                if (a->text().remove(QLatin1Char('&')) == text)
                    return a;
        }
        return nullptr;
    }
    /// Answers the next file dialog (shown modally by an action, so found
    /// from a timer while the action waits in it) as a person would: once
    /// its name field has the focus, types `path` there and accepts, or
    /// cancels when `path` is empty. Its title goes to *title, the folder
    /// and name it offered first to *offered (may be null).
    ///
    /// Typing, not QFileDialog::selectFile: selectFile leaves the name
    /// field as it is while that field has the focus, so the dialog went on
    /// with the name it had offered (an export written elsewhere, an open
    /// refused with "File not found" again and again: CI runs hung 300 s).
    void answerNextFileDialog(const QString &path, QString *title, QString *offered = nullptr)
    {
        // Polls until the dialog it answered has gone: a box the dialog
        // raises is closed and the dialog answered again.
        auto *poll = new QTimer(this);
        poll->setInterval(10);
        auto answered = std::make_shared<QPointer<QFileDialog>>(); // the dialog this call answers
        auto waited = std::make_shared<int>(0);                    // ticks spent waiting for the focus
        connect(poll, &QTimer::timeout, this, [poll, path, title, offered, answered, waited] {
            QWidget *modal = QApplication::activeModalWidget();
            // Once answered, only that dialog; when it has gone, so has this poll.
            QFileDialog *mine = answered->data();
            if (mine) {
                if (!mine->isVisible()) {
                    poll->stop();
                    poll->deleteLater();
                    return;
                }
                if (auto *box = qobject_cast<QMessageBox *>(modal)) {
                    box->accept(); // the dialog's own "not found"
                    return;
                }
            } else if (answered->isNull() && poll->property("answered").toBool()) {
                poll->stop(); // answered, then deleted
                poll->deleteLater();
                return;
            }
            auto *dialog = mine ? mine : qobject_cast<QFileDialog *>(modal);
            if (!dialog || !dialog->isVisible() || modal != dialog)
                return;
            auto *name = dialog->findChild<QLineEdit *>(QStringLiteral("fileNameEdit"));
            QVERIFY2(name, "the file dialog has no name field");
            // A person types once the field has the focus; a window that is
            // never activated is answered after a second all the same.
            if (!name->hasFocus() && ++*waited < 100)
                return;
            if (!mine) {
                *answered = dialog;
                poll->setProperty("answered", true);
                *title = dialog->windowTitle();
                if (offered) {
                    const QStringList selected = dialog->selectedFiles();
                    *offered = selected.isEmpty() ? dialog->directory().absolutePath() : selected.first();
                }
            }
            if (path.isEmpty()) {
                dialog->reject();
                return;
            }
            if (auto *list = dialog->findChild<QAbstractItemView *>(QStringLiteral("listView")))
                list->clearSelection(); // a selected file would win over the typed name
            name->setText(path);
            static_cast<QDialog *>(dialog)->accept(); // QFileDialog::accept (protected there) checks the name
        });
        poll->start();
    }

    std::unique_ptr<QTemporaryDir> m_dir;
    std::unique_ptr<MainWindow> m_window;
    TrainingController *m_controller = nullptr;
};
