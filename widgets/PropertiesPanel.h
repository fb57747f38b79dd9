#pragma once

#include "ArgumentsEditor.h"
#include "OptionField.h"
#include "StackTableEditor.h"

#include <QCheckBox>
#include <QComboBox>
#include <QHash>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QScrollArea>

class QFormLayout;
class QTimer;

namespace mc {

class DocumentEditor;
class GraphScene;

/// The Properties dock. With one node selected: its instance name, type,
/// options or argument values (numbers or arguments of the enclosing type,
/// checked as the user types), frozen or not, its twins, sizes and parameter
/// count; a stack adds its block table. With no node selected: the module type
/// itself (name, description, arguments, whether it is the model). Every
/// change goes to the DocumentEditor; the form follows the document.
class PropertiesPanel : public QScrollArea
{
    Q_OBJECT
public:
    PropertiesPanel(DocumentEditor *editor, GraphScene *scene, QWidget *parent = nullptr);
    ~PropertiesPanel() override;

    QString targetType() const { return m_type; }
    /// The node shown (0: the module type itself; -1: several nodes).
    int targetNode() const { return m_node; }

    QLineEdit *nameField() const { return m_name; }
    OptionField *optionField(const QString &key) const { return m_fields.value(key); }
    QCheckBox *frozenBox() const { return m_frozen; }
    StackTableEditor *stackEditor() const { return m_stack; }
    QComboBox *blockTypeBox() const { return m_blockType; }
    ArgumentsEditor *argumentsEditor() const { return m_arguments; }
    QLineEdit *descriptionField() const { return m_description; }
    /// The sentence under the name field (why a name is refused).
    QString nameProblem() const;

public Q_SLOTS:
    /// Follows the scene's selection.
    void followSelection();

Q_SIGNALS:
    /// Open the inside of this module type.
    void openTypeRequested(const QString &type);
    /// Select this node of the shown type (a twin).
    void selectNodeRequested(int node);
    void statusMessage(const QString &text);

private:
    void rebuild();
    void refreshValues();
    void scheduleRefresh();
    QString structureKey() const;
    void buildTypeForm(QFormLayout *form);
    void buildCallForm(QFormLayout *form);
    void buildPortForm(QFormLayout *form);
    QLabel *addInfo(QFormLayout *form, const QString &label);
    void commitName();
    void validateName();
    void report(const QString &problem);

    DocumentEditor *m_editor;
    GraphScene *m_scene;
    QString m_type;
    int m_node = 0;
    QString m_key;
    QTimer *m_refresh;

    QPointer<QWidget> m_content;
    QPointer<QLineEdit> m_name;
    QPointer<QLabel> m_nameMessage;
    QHash<QString, QPointer<OptionField>> m_fields;
    QPointer<QCheckBox> m_frozen;
    QPointer<StackTableEditor> m_stack;
    QPointer<QComboBox> m_blockType;
    QPointer<ArgumentsEditor> m_arguments;
    QPointer<QLineEdit> m_description;
    QPointer<QLabel> m_sizes;
    QPointer<QLabel> m_twins;
    QPointer<QLabel> m_rootLabel;
};

} // namespace mc
