# Language subset: literals, operators, pattern matching, control flow.
IO.inspect {1, 2.5, :atom, "string", 'chars', [1, 2], %{a: 1}, [a: 1, b: 2], true, nil}
IO.inspect 10 / 4
IO.inspect div(10, 3)
IO.inspect rem(-10, 3)
IO.inspect 1 + 2 * 3 - 4
IO.inspect "abc" <> "def"
IO.inspect [1, 2] ++ [3]
IO.inspect [1, 2, 3, 2] -- [2]
IO.inspect 1 == 1.0
IO.inspect 1 === 1.0
IO.inspect 1 < :a
IO.inspect :a < "a"
IO.inspect {1, 2} < [1]
IO.inspect true and false
IO.inspect nil || :default
IO.inspect 5 && 6
IO.inspect !nil
IO.inspect not true
IO.inspect 3 in [1, 2, 3]
IO.inspect 4 not in [1, 2, 3]
IO.inspect -5
IO.inspect abs(-5)
x = 1
{a, b} = {x, 2}
[h | t] = [1, 2, 3]
IO.inspect {a, b, h, t}
%{name: name} = %{name: "joe", age: 3}
IO.inspect name
^x = 1
r = try do
  ^x = 2
rescue
  e in MatchError -> e
end
IO.inspect r
"hello " <> rest = "hello world"
IO.inspect rest
IO.inspect (case {1, 2} do
  {1, y} when y > 5 -> :big
  {1, y} -> {:small, y}
end)
v = cond do
  x > 5 -> :gt
  x == 1 -> :one
  true -> :other
end
IO.inspect v
IO.inspect (if x == 1, do: :yes, else: :no)
IO.inspect (unless x == 1, do: :yes, else: :no)
if false do
  IO.puts "no"
end
IO.inspect (if false, do: 1)
name = "world"
IO.puts "hello #{name}, #{1 + 1} #{:atom} #{[1, 2]} #{3.5}"
IO.puts "tab\there\nnewline \"quoted\" \\ backslash"
IO.inspect "line\nbreak"
IO.inspect 'hello'
IO.inspect [104, 105]
IO.inspect ?a
IO.inspect 1_000_000
IO.inspect 0x1F
IO.inspect 1.0e3
IO.inspect 0.1 + 0.2
IO.inspect 2.0
IO.inspect 100.0 / 3
IO.inspect :"hello world"
IO.inspect :ok
IO.inspect Foo.Bar
IO.inspect [1, [2, [3]]]
IO.inspect %{"key" => 1, :a => 2}
IO.inspect %{1 => :one}
IO.inspect {}
IO.inspect []
IO.inspect %{}
m = %{a: 1, b: 2}
IO.inspect %{m | a: 10}
IO.inspect m.a
IO.inspect m[:b]
IO.inspect m[:zz]
kw = [x: 1, y: 2]
IO.inspect kw[:y]
IO.inspect elem({:a, :b}, 1)
IO.inspect put_elem({:a, :b}, 0, :z)
IO.inspect tuple_size({1, 2, 3})
IO.inspect length([1, 2, 3])
IO.inspect hd([1, 2]), label: "hd"
IO.inspect tl([1, 2]), label: "tl"
IO.inspect is_atom(:a) and is_integer(1) and is_float(1.0) and is_binary("s") and is_list([]) and is_map(%{}) and is_tuple({})
IO.inspect max(1, 2)
IO.inspect min(1, 2)
IO.inspect round(2.5)
IO.inspect trunc(2.7)
IO.inspect to_string(:abc)
IO.inspect inspect({:a, "b"})
IO.inspect 1..5
IO.inspect Enum.to_list(1..5)
with {:ok, a} <- {:ok, 1},
     {:ok, b} <- {:ok, a + 1} do
  IO.inspect a + b, label: "with"
end
r = with {:ok, a} <- {:error, :bad} do
  a
else
  {:error, reason} -> {:failed, reason}
end
IO.inspect r
IO.inspect (with {:ok, _} <- :nope, do: :yes)
IO.inspect (for x <- [1, 2, 3], do: x * x)
IO.inspect (for x <- 1..6, rem(x, 2) == 0, y <- [:a, :b], do: {x, y})
IO.inspect (for {k, v} <- %{a: 1, b: 2}, into: %{}, do: {k, v * 10})
