/// Positions of an architecture's tensors in ``ModelParameters/tensors`` (`state_dict` order).
struct ParameterIndex {
    /// The four tensors of one direction of one layer.
    struct Direction {
        let inputWeight: Int
        let hiddenWeight: Int
        let inputBias: Int
        let hiddenBias: Int
    }

    let embedding: Int
    /// `[layer][direction]`, direction 1 = `_reverse`.
    let directions: [[Direction]]
    let linearWeight: Int
    let linearBias: Int
    let projectionWeight: Int
    let projectionBias: Int

    /// Resolves the names of `parameters` (always complete: ``ModelParameters`` is validated).
    init(_ parameters: ModelParameters) {
        let index = parameters.indexByName
        let architecture = parameters.architecture
        embedding = index["embedding.weight"]!
        directions = (0..<architecture.numLayers).map { layer in
            (architecture.bidirectional ? ["", "_reverse"] : [""]).map { suffix in
                Direction(
                    inputWeight: index["rnn.weight_ih_l\(layer)\(suffix)"]!,
                    hiddenWeight: index["rnn.weight_hh_l\(layer)\(suffix)"]!,
                    inputBias: index["rnn.bias_ih_l\(layer)\(suffix)"]!,
                    hiddenBias: index["rnn.bias_hh_l\(layer)\(suffix)"]!)
            }
        }
        linearWeight = index["linear.weight"]!
        linearBias = index["linear.bias"]!
        projectionWeight = index["projection.weight"]!
        projectionBias = index["projection.bias"]!
    }

    /// One direction's weight pointers out of all tensors' pointers.
    func weights(layer: Int, direction: Int, in pointers: [UnsafePointer<Float>]) -> DirectionWeights {
        let d = directions[layer][direction]
        return DirectionWeights(
            inputWeight: pointers[d.inputWeight], hiddenWeight: pointers[d.hiddenWeight],
            inputBias: pointers[d.inputBias], hiddenBias: pointers[d.hiddenBias])
    }
}

extension ModelParameters {
    /// Calls `body` with a pointer to every tensor's first element, in ``names`` order, valid for
    /// the duration of the call.
    func withUnsafeTensorPointers<R>(_ body: ([UnsafePointer<Float>]) -> R) -> R {
        var pointers: [UnsafePointer<Float>] = []
        pointers.reserveCapacity(tensors.count)
        func visit(_ index: Int) -> R {
            if index == tensors.count { return body(pointers) }
            return tensors[index].values.withUnsafeBufferPointer { buffer in
                pointers.append(buffer.baseAddress!)
                return visit(index + 1)
            }
        }
        return visit(0)
    }

    /// Calls `body` with a mutable pointer to tensor `index`'s elements.
    mutating func withUnsafeMutableTensor<R>(_ index: Int, _ body: (UnsafeMutablePointer<Float>) -> R) -> R {
        tensors[index].values.withUnsafeMutableBufferPointer { body($0.baseAddress!) }
    }
}
