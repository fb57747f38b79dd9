#pragma once

#include "document/GraphTypes.h"

#include <QWidget>

#include <optional>

class QComboBox;
class QLabel;
class QLineEdit;

namespace mc {

/// One option or argument value in the Properties dock: a number, a tuple
/// (`3, 3`), a word of a choice, the name of an argument of the enclosing
/// module type, or empty for the default; or, with Rule::shape, an Input's
/// declared shape, whose dimensions may each be a number or an argument
/// (`channels, 28, 28`). It
/// checks what the user types as they type (a red field and a sentence) and
/// commits on Enter, on leaving the field, or on choosing an argument.
class OptionField : public QWidget
{
    Q_OBJECT
public:
    /// What the field accepts.
    struct Rule
    {
        bool integer = false;
        bool boolean = false;         ///< Accepts true/false, yes/no, on/off, 1/0.
        int tupleSize = 0;            ///< A tuple of this many whole numbers (`3, 3`), or one for all.
        bool list = false;            ///< Whole numbers of any count (`16, 7, 7`).
        bool shape = false;           ///< A shape: numbers or arguments of any count (see shapeCommitted).
        QStringList choices;          ///< One of these words (offered in the list).
        double minimum = -1e300;
        double maximum = 1e300;
        QStringList arguments;        ///< Arguments of the enclosing type it may refer to.
        QString enclosingType;        ///< For the sentence about unknown arguments.
        QString placeholder;          ///< Shown when empty (the default, or "from the wire").
        bool allowEmpty = true;       ///< Empty means "default".
    };

    explicit OptionField(const Rule &rule, QWidget *parent = nullptr);
    ~OptionField() override;

    /// Shows the document's value; does nothing while the user is typing in it.
    void setValue(const std::optional<OptionValue> &value);
    std::optional<OptionValue> value() const { return m_value; }
    /// The same for a shape field (Rule::shape); empty: not declared.
    void setShape(const ShapeDecl &shape);
    ShapeDecl shape() const { return m_shape; }
    /// A refusal from the document (shown like a typing error).
    void showError(const QString &error);
    QString error() const { return m_error; }
    QLineEdit *lineEdit() const;
    QComboBox *comboBox() const { return m_combo; }

    /// Reads `text` under `rule`: true with *value set (nullopt: the default),
    /// or false with *error set.
    static bool parse(const QString &text, const Rule &rule, std::optional<OptionValue> *value, QString *error);
    /// The text the field shows for a value.
    static QString text(const std::optional<OptionValue> &value, const Rule &rule);
    /// Reads a shape field's text: each dimension a whole number in the rule's
    /// range or one of its arguments; empty text is an empty shape.
    static bool parseShape(const QString &text, const Rule &rule, ShapeDecl *shape, QString *error);
    /// `channels, 28, 28`.
    static QString shapeText(const ShapeDecl &shape);

Q_SIGNALS:
    /// The user settled on a valid value different from the shown one.
    void committed(const std::optional<OptionValue> &value);
    /// The same for a shape field.
    void shapeCommitted(const ShapeDecl &shape);

private:
    void validate();
    void commit();
    /// Shows the document's text, unless the user is typing in the field.
    void showText(const QString &text);

    Rule m_rule;
    QComboBox *m_combo;
    QLabel *m_message;
    std::optional<OptionValue> m_value;
    ShapeDecl m_shape;
    QString m_error;
};

} // namespace mc
