# Selective receive turns down a message by its outer shape (type, tuple size and tag, atom) before trying a
# clause: the message picked must still be the oldest one some clause accepts, with the rest left in order,
# including messages that arrive while the receive waits.
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
    pick("older tagged tuple over newer", [{:b, 1}, {:a, 1, 2}, {:a, 1}, {:a, 2}, {}], fn ->
      receive do
        {:a, x} -> {:a, x}
      end
    end)

    pick("clauses with different tags: oldest message wins", [{:c, 0}, {:b, 1}, {:a, 2}, {:b, 3}], fn ->
      receive do
        {:a, x} -> {:a, x}
        {:b, x} -> {:b, x}
      end
    end)

    pick("tagged and untagged tuple clauses", [{:c, 0}, {:b, 1, 2}, {:z, 9}, {:a, 2}], fn ->
      receive do
        {:a, x} -> {:a, x}
        {t, x} when t == :z -> {t, x}
      end
    end)

    pick("tagged tuple and integer clauses", [{:c, 0}, {:a}, :a, 7, {:a, 1}], fn ->
      receive do
        {:a, x} -> {:a, x}
        n when is_integer(n) -> {:int, n}
      end
    end)

    pick("five tags", [{:f, 0}, {:e}, {:e, 1, 2}, {:d, 3}, {:e, 4}], fn ->
      receive do
        {:a, x} -> x
        {:b, x} -> x
        {:c, x} -> x
        {:d, x} when x > 5 -> x
        {:e, x} -> x
      end
    end)

    pick("tag with a guard", [{:n, :x}, {:m, 1}, {:n, 2}], fn ->
      receive do
        {:n, x} when is_integer(x) -> x
      end
    end)

    pick("atoms", [:x, nil, :y, :stop, :y], fn ->
      receive do
        :stop -> :stop
        :y -> :y
      end
    end)

    pick("nil", [:x, false, nil], fn ->
      receive do
        nil -> :got_nil
      end
    end)

    pick("empty tuple", [{:a}, [], {}], fn ->
      receive do
        {} -> :empty_tuple
      end
    end)

    pick("empty and non-empty lists", [{:l}, [1], [], ~c"ab"], fn ->
      receive do
        [] -> :empty
      end
    end)

    pick("charlist literal", ["ab", [?a], ~c"ab"], fn ->
      receive do
        ~c"ab" -> :charlist
      end
    end)

    pick("is_number", [:n, "1", 1.5, 2], fn ->
      receive do
        v when is_number(v) -> v
      end
    end)

    pick("is_list", [{:l}, "s", [], [1]], fn ->
      receive do
        v when is_list(v) -> v
      end
    end)

    pick("is_boolean", [:yes, nil, 0, false, true], fn ->
      receive do
        v when is_boolean(v) -> v
      end
    end)

    pick("is_binary and is_map", [:a, %{k: 1}, "b"], fn ->
      receive do
        v when is_binary(v) -> {:binary, v}
        v when is_map(v) -> {:map, v}
      end
    end)

    me = self()
    f = fn -> :f end
    pick("is_pid, is_reference, is_function", [:a, f, make_ref(), me], fn ->
      receive do
        v when is_pid(v) -> :pid
        v when is_reference(v) -> :ref
      end
    end)
    IO.inspect(is_function(f), label: "  function")

    pick("type test with and", [{:v, 1}, 2.5, 3, 12], fn ->
      receive do
        v when is_integer(v) and v > 10 -> v
      end
    end)

    pick("type test with or (not a requirement)", [{:v, 1}, :a, 2.5, 3], fn ->
      receive do
        v when is_integer(v) or is_atom(v) -> v
      end
    end)

    pick("negated type test", [1, 2, :a, 3], fn ->
      receive do
        v when not is_integer(v) -> v
      end
    end)

    pick("type test on a part", [{:v, :a}, {:w, 1}, {:v, 2}], fn ->
      receive do
        {:v, x} when is_integer(x) -> x
      end
    end)

    pick("match pattern with type test", [{:a, 1}, :b, {:t, 2}], fn ->
      receive do
        {:t, _} = whole when is_tuple(whole) -> whole
      end
    end)

    pick("match pattern, variable first", [1, {:t, 1, 2}, {:t, 3}], fn ->
      receive do
        whole = {:t, _} -> whole
      end
    end)

    pick("match pattern no tuple can satisfy", [{:a, 1}, {:b, 1}, {:a}], fn ->
      receive do
        {:a, _} = {:b, _} -> :impossible
        {_} = {_, _} -> :impossible
      after
        0 -> :none
      end
    end)

    pick("rebinding an outer name", [:a, 5], fn ->
      v = :outer
      receive do
        v when is_integer(v) -> v
      end
    end)

    pick("string prefix", [:cmd, ~c"cmd:x", "cmd:x"], fn ->
      receive do
        "cmd:" <> rest -> rest
      end
    end)

    pick("binary pattern", [:b, [1], <<1, 2>>], fn ->
      receive do
        <<a, b>> -> a + b
      end
    end)

    pick("map pattern", [{:m}, [], %{a: 1}], fn ->
      receive do
        %{a: a} -> a
      end
    end)

    ref = make_ref()
    pick("fresh reference with a type clause", [{:old, 1}, :x, {ref, :mine}], fn ->
      receive do
        {^ref, v} -> v
      end
    end)

    # a long backlog no clause accepts, then the wanted message arrives while the receive waits
    for i <- 1..2000, do: send(self(), {:junk, i})
    me = self()
    spawn(fn ->
      Process.sleep(50)
      send(me, {:later, 1})
      send(me, :other)
      send(me, 42)
      send(me, 43)
    end)
    got = receive do
      v when is_integer(v) -> v
    end
    IO.inspect got, label: "arrived during the wait"
    left = drain([])
    IO.inspect {length(left), hd(left), Enum.at(left, 1999), Enum.drop(left, 2000)}, label: "  left"

    # several receives in a row over the same backlog, each taking the oldest accepted message
    for i <- 1..300, do: send(self(), {:junk, i})
    for i <- 1..3, do: send(self(), i * 10)
    a = receive do: (v when is_integer(v) -> v)
    send(self(), 5)
    b = receive do: (v when is_integer(v) -> v)
    c = receive do: (v when is_integer(v) -> v)
    d = receive do: (v when is_integer(v) -> v)
    IO.inspect {a, b, c, d}, label: "in arrival order"
    IO.inspect length(drain([])), label: "  backlog kept"
  end
end

Case.run()
