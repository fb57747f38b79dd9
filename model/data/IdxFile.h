#pragma once

#include <QString>

#include <torch/torch.h>

#include <cstdint>
#include <vector>

namespace mc {

/// A file in the IDX format of MNIST and Fashion-MNIST (gzipped or not): a
/// big-endian header (two zero bytes, the element type, the number of
/// dimensions, each dimension as a 32-bit count) and the elements. Only
/// unsigned bytes (type 0x08), the type of every MNIST-like set, are read.
class IdxFile
{
public:
    /// Reads `path` whole (a `.gz` file, or any gzip file whatever its name, is
    /// decompressed as it is read). Throws DataError with one sentence naming
    /// the file: not IDX, another element type, truncated, or longer than its
    /// header says.
    static IdxFile read(const QString &path);

    const std::vector<int64_t> &dims() const { return m_dims; }
    /// uint8, shaped as dims().
    const torch::Tensor &data() const { return m_data; }

private:
    std::vector<int64_t> m_dims;
    torch::Tensor m_data;
};

} // namespace mc
