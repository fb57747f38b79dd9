#pragma once

#include <QStringList>
#include <QVector>
#include <QWidget>

class QCPBars;
class QCustomPlot;
class QLabel;

namespace mc {

class DocumentEditor;

/// Parameters per top-level submodule of the root model as stacked bars,
/// trainable and frozen apart, with the totals beside them. Follows the
/// editor's analysis, so it changes as the graph does.
class ParameterPlot : public QWidget
{
    Q_OBJECT
public:
    explicit ParameterPlot(DocumentEditor *editor, QWidget *parent = nullptr);

    /// Submodule names, and their trainable and frozen counts, as shown.
    const QStringList &names() const { return m_names; }
    const QVector<double> &trainable() const { return m_trainable; }
    const QVector<double> &frozen() const { return m_frozen; }
    QString totalsText() const;
    QCustomPlot *customPlot() const { return m_plot; }

    /// Reads the editor's analysis now (the editor's signal does this otherwise).
    void refresh();

private:
    DocumentEditor *m_editor;
    QCustomPlot *m_plot;
    QCPBars *m_trainableBars;
    QCPBars *m_frozenBars;
    QLabel *m_totals;
    QStringList m_names;
    QVector<double> m_trainable;
    QVector<double> m_frozen;
};

} // namespace mc
