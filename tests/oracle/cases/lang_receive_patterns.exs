# Selective receive with every pattern and guard form a receive is tested with while skipping messages: the
# message picked is always the oldest one some clause accepts, whatever form the clause has.
defmodule Case do
  def drain(acc) do
    receive do
      m -> drain([m | acc])
    after
      0 -> Enum.reverse(acc)
    end
  end

  def pick(label, msgs, fun) do
    Enum.each(msgs, fn m -> send(self(), m) end)
    IO.inspect fun.(), label: label
    IO.inspect drain([]), label: "  left"
  end

  def run do
    pick("tuple with literal", [{:a, 1}, {:b, 2}, {:b, 3, 4}, :b], fn ->
      receive do
        {:b, x} -> {:got, x}
      end
    end)

    pick("type guard", [{:junk, 1}, "text", 2.5, 7], fn ->
      receive do
        v when is_integer(v) -> {:int, v}
      end
    end)

    pick("repeated variable", [{1, 2}, {3, 3}, {4, 4}], fn ->
      receive do
        {x, x} -> {:same, x}
      end
    end)

    outer = 5
    pick("comparison with outer variable", [{:n, 3}, {:n, 5}, {:n, 9}], fn ->
      receive do
        {:n, x} when x > outer -> {:above, x}
      end
    end)

    want = :k2
    pick("pin", [{:k1, 1}, {:k2, 2}, {:k2, 3}], fn ->
      receive do
        {^want, v} -> v
      end
    end)

    pick("list with tail", [[], [1], [1, 2, 3], [:x | :y]], fn ->
      receive do
        [a, b | rest] -> {a, b, rest}
      end
    end)

    pick("exact list", [[1, 2, 3], [1, 2]], fn ->
      receive do
        [1, 2] -> :exact
      end
    end)

    key = :id
    pick("map keys", [%{name: "a"}, %{id: 1}, %{id: 2, name: "b"}], fn ->
      receive do
        %{^key => i, name: n} -> {i, n}
      end
    end)

    pick("match pattern", [{:p, 1}, {:q, {1, 2}}], fn ->
      receive do
        {:q, {a, _} = whole} -> {a, whole}
      end
    end)

    pick("string prefix", ["no", "cmd:stop", "cmd:go"], fn ->
      receive do
        "cmd:" <> _ -> :command
      end
    end)

    pick("string prefix bound", ["no", "cmd:stop"], fn ->
      receive do
        "cmd:" <> c -> c
      end
    end)

    pick("integer and float literals", [1.0, 1], fn ->
      receive do
        1 -> :integer_one
      end
    end)

    pick("float literal", [1, 1.0], fn ->
      receive do
        1.0 -> :float_one
      end
    end)

    pick("and / or / not", [{:v, :a}, {:v, 4}, {:v, -3}, {:v, 20}], fn ->
      receive do
        {:v, x} when is_integer(x) and (x > 10 or not (x > 0)) -> x
      end
    end)

    pick("strict equality", [{:e, 2.0}, {:e, 2}], fn ->
      receive do
        {:e, x} when x === 2 -> {:strict, x}
      end
    end)

    pick("guard that raises is false", [{:t, :atom}, {:t, {1, 2}}], fn ->
      receive do
        {:t, x} when tuple_size(x) == 2 -> x
      end
    end)

    pick("several clauses, oldest message wins", [:z, {:b, 1}, {:a, 2}], fn ->
      receive do
        {:a, x} -> {:a, x}
        {:b, x} -> {:b, x}
      end
    end)

    pick("guard on a later clause", [{:x, 1}, {:x, :one}], fn ->
      receive do
        {:x, v} when is_atom(v) -> {:atom, v}
        {:x, v} when is_float(v) -> {:float, v}
      end
    end)

    ref = make_ref()
    pick("reference", [{make_ref(), :other}, {ref, :mine}], fn ->
      receive do
        {^ref, v} -> v
      end
    end)

    pick("nothing matches", [1, 2], fn ->
      receive do
        :never -> :never
      after
        10 -> :timeout
      end
    end)
  end
end

Case.run()
