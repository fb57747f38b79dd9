#pragma once

#include "layers/LayerDefinition.h"

#include <QString>

#include <cstdint>
#include <vector>

namespace mc::python {

/// Literals as Python and TorchScript read them back exactly. Written once for
/// the TorchScript export, the Python export and the layers' own code.

/// `0.001`, `1.0`, `1e-05`: the shortest literal that reads back as `v`.
/// Throws std::invalid_argument for a value that is not finite.
QString real(double v);
QString integer(int64_t v);
QString boolean(bool v);
/// `[3, 3]` (TorchScript's int[]) or `(3, 3)` with `tuple`.
QString integers(const std::vector<int64_t> &v, bool tuple = false);
/// `"bilinear"`, quoted as Black quotes it.
QString word(const QString &w);
/// An option's value as a constructor argument: a number, True/False, a
/// tuple `(3, 3)` (or one number where all are equal), or a quoted word.
QString value(const OptionSpec &option, const ResolvedValue &value);
/// Option `option` of `options` as the Python export writes it: its
/// pythonName() where it has one, else value().
QString option(const OptionSpec &option, const ResolvedOptions &options);

} // namespace mc::python
