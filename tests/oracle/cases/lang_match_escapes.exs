# match?/2 (patterns, guards, pins; its variables stay inside) and \xHH byte escapes in strings and charlists.
IO.inspect "\x41\x42"
IO.inspect "\xff"
IO.inspect '\x41\x42'
IO.inspect "a\x07"
IO.inspect match?({:ok, _}, {:ok, 1})
IO.inspect match?([_ | _], [1])
IO.inspect match?(%{a: _}, %{a: 1})
IO.inspect match?(x when x > 1, 2)
IO.inspect match?(x when x > 1, 0)
x = 5
IO.inspect match?(^x, 5)
IO.inspect Enum.filter([{:ok, 1}, :error, {:ok, 2}], &match?({:ok, _}, &1))
IO.inspect x
y = 1
IO.inspect(match?(y, 2))
IO.inspect(y)
IO.inspect(match?({z, z}, {3, 3}))
IO.inspect('\x41\x7e')
IO.inspect("\x{41}\x{e9}")
