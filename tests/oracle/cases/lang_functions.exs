# Functions: modules, multi-clause, guards, recursion, defaults, private, captures, closures, pipes.
defmodule Math do
  @moduledoc "math"
  @factor 3

  def fact(0), do: 1
  def fact(n) when is_integer(n) and n > 0, do: n * fact(n - 1)

  def sum([]), do: 0
  def sum([h | t]), do: h + sum(t)

  def count_down(0, acc), do: Enum.reverse(acc)
  def count_down(n, acc), do: count_down(n - 1, [n | acc])

  def scale(x, by \\ @factor), do: x * by

  def classify(x) when is_atom(x), do: :atom
  def classify(x) when is_binary(x), do: :string
  def classify(x) when x in [1, 2, 3], do: :small
  def classify(_), do: :other

  def public, do: secret() + 1
  defp secret, do: 41

  def apply_twice(f, x), do: f.(f.(x))
end

IO.inspect Math.fact(20)
IO.inspect Math.sum([1, 2, 3, 4])
IO.inspect length(Math.count_down(100_000, []))
IO.inspect Math.scale(2)
IO.inspect Math.scale(2, 10)
IO.inspect Enum.map([:a, "b", 2, 9.0], &Math.classify/1)
IO.inspect Math.public()
IO.inspect Math.apply_twice(fn x -> x * 3 end, 2)
IO.inspect Math.apply_twice(&(&1 + 1), 2)
add = fn
  a, b when is_integer(a) -> a + b
  a, b -> {a, b}
end
IO.inspect add.(1, 2)
IO.inspect add.(:x, 2)
counter = 10
inc = fn n -> n + counter end
counter = 20
IO.inspect inc.(1)
IO.inspect counter
IO.inspect [1, 2, 3] |> Enum.map(&(&1 * 2)) |> Enum.sum()
IO.inspect "hello" |> String.upcase() |> String.length
IO.inspect Enum.reduce(1..10, 0, fn x, acc -> x + acc end)
IO.inspect Enum.filter(1..10, &(rem(&1, 2) == 0))
IO.inspect Enum.reject([1, 2, 3], fn x -> x > 1 end)
IO.inspect Enum.find([1, 2, 3], &(&1 > 1))
IO.inspect Enum.any?([1, 2], &(&1 > 1))
IO.inspect Enum.all?([1, 2], &(&1 > 1))
IO.inspect Enum.sort([3, 1, 2])
IO.inspect Enum.sort([3, 1, 2], &(&1 > &2))
IO.inspect Enum.sort_by([{:b, 2}, {:a, 1}], fn {_, n} -> n end)
IO.inspect Enum.with_index([:a, :b])
IO.inspect Enum.zip([1, 2], [:a, :b])
IO.inspect Enum.join(["a", "b", "c"], ", ")
IO.inspect Enum.map_join([1, 2], "-", &Integer.to_string/1)
IO.inspect Enum.flat_map([1, 2], fn x -> [x, x] end)
IO.inspect Enum.count([1, 2, 3], &(&1 > 1))
IO.inspect Enum.group_by([1, 2, 3, 4], &rem(&1, 2))
IO.inspect Enum.take([1, 2, 3], 2)
IO.inspect Enum.reverse([1, 2, 3])
IO.inspect Enum.uniq([1, 1, 2])
IO.inspect Enum.member?([1, 2], 2)
IO.inspect Enum.max([1, 5, 3])
IO.inspect Enum.into([a: 1], %{})
IO.inspect Enum.each([1, 2], fn x -> IO.puts x end)
IO.inspect Map.put(%{}, :a, 1)
IO.inspect Map.get(%{a: 1}, :b, :default)
IO.inspect Map.update(%{a: 1}, :a, 0, &(&1 + 1))
IO.inspect Map.keys(%{a: 1, b: 2})
IO.inspect Map.values(%{a: 1, b: 2})
IO.inspect Map.merge(%{a: 1}, %{b: 2})
IO.inspect Map.delete(%{a: 1, b: 2}, :a)
IO.inspect Map.has_key?(%{a: 1}, :a)
IO.inspect Map.fetch(%{a: 1}, :a)
IO.inspect Map.to_list(%{a: 1})
IO.inspect List.first([1, 2])
IO.inspect List.last([1, 2])
IO.inspect List.flatten([1, [2, [3]]])
IO.inspect Keyword.get([a: 1], :a)
IO.inspect Keyword.put([a: 1], :b, 2)
IO.inspect String.split("a b c")
IO.inspect String.split("a,b", ",")
IO.inspect String.trim("  x  ")
IO.inspect String.to_integer("42")
IO.inspect String.to_atom("abc")
IO.inspect String.contains?("hello", "ell")
IO.inspect String.replace("a-b-c", "-", "+")
IO.inspect String.duplicate("ab", 3)
IO.inspect Integer.to_string(42)
IO.inspect Integer.parse("12abc")
IO.inspect Tuple.to_list({1, 2})
IO.inspect Atom.to_string(:abc)
IO.inspect apply(Math, :fact, [5])
IO.inspect apply(fn a -> a * 2 end, [21])
IO.inspect is_function(add, 2)
