# Calls whose arguments are plain expressions, variables passed on to tail calls, clauses that bind by moving
# their arguments, and errors raised inside such expressions.
defmodule FastPaths do
  def twice(x, x), do: {:same, x}
  def twice(x, y), do: {:different, x, y}

  def loop(_pid, acc, 0), do: acc
  def loop(pid, acc, k), do: loop(pid, [{pid == self(), k} | acc], k - 1)

  def pass(t, 0), do: t
  def pass(t, k), do: pass(t, k - 1)

  def again(x, k) when k > 0, do: again2(x, x, k - 1)
  def again(x, _), do: x
  def again2(a, b, k), do: again({a, b}, k)

  def later(x), do: pair(x, fn -> x end)
  def pair(a, f), do: {a, f.()}

  def rescued(x), do: pair(x, try do raise "no" rescue _ -> fn -> x end end)

  def arith(a, b), do: {a + b * 2 - div(a, 1), a * b, a / b, -a, a - b > 0, a == 1.0, a === 1.0, a != b, rem(b, 3)}

  def big(a), do: {a, a + 1, a + 2, a + 3, a + 4, a + 5, a + 6, a + 7, a + 8, a + 9}

  def shapes(a, b), do: {[a, b | [a]], %{a => b, :k => [a | b]}, [a | b]}

  def logic(a, b), do: {a and b, a or b, a && b, a || b, not a, !b}

  def bad(a), do: a + 1

  def nested(a, b), do: {:ok, a + (b * (a - :x))}

  def only_ints(a) when is_integer(a), do: a
  def first(a, b, c), do: only_ints(a) + only_ints(b) + only_ints(c)

  def count(0, acc), do: acc
  def count(n, acc), do: count(n - 1, acc + n)
end

IO.inspect(FastPaths.twice(1, 1))
IO.inspect(FastPaths.twice(1, 2))
IO.inspect(FastPaths.twice({:a, [1]}, {:a, [1]}))
IO.inspect(FastPaths.loop(self(), [], 3))
IO.inspect(FastPaths.pass({:t, self() == self(), "bin"}, 1000))
IO.inspect(FastPaths.again(:x, 3))
IO.inspect(FastPaths.later(5))
IO.inspect(FastPaths.rescued(6))
IO.inspect(FastPaths.arith(4, 5))
IO.inspect(FastPaths.arith(1, 2))
IO.inspect(FastPaths.big(10))
IO.inspect(FastPaths.shapes(1, [2]))
IO.inspect(FastPaths.logic(true, false))
IO.inspect(FastPaths.logic(false, true))
IO.inspect(FastPaths.count(100_000, 0))

for {f, args} <- [{:bad, [:a]}, {:first, [1, 2, :c]}, {:twice, [1]}] do
  try do
    apply(FastPaths, f, args)
  rescue
    e ->
      IO.puts(Exception.message(e))
      [top | _] = __STACKTRACE__
      IO.inspect(top)
  end
end

try do
  FastPaths.nested(1, 2)
rescue
  e -> IO.puts(Exception.message(e))
end

x = 41
f = fn y -> {x + y, y * 2} end
IO.inspect(f.(1))
IO.inspect(x)

try do
  try do
    raise "inner"
  rescue
    _ -> 1 / 0
  end
rescue
  e -> IO.puts("outer caught: " <> Exception.message(e))
end

try do
  try do
    throw(:t)
  catch
    :t -> FastPaths.bad(:b)
  end
rescue
  e -> IO.puts("outer caught: " <> Exception.message(e))
end

g = fn
  0 -> :zero
  n when n > 0 -> {:pos, n - 1}
end
IO.inspect({g.(0), g.(3)})

