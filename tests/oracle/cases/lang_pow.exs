# The ** operator (Kernel.**/2): integer powers stay integers, negative or float ones are floats, it associates to
# the left, and it takes numbers only.
IO.inspect(2 ** 10)
IO.inspect(2 ** 0)
IO.inspect(-3 ** 3)
IO.inspect(2 ** -1)
IO.inspect(2.0 ** 3)
IO.inspect(4 ** 0.5)
IO.inspect(2 ** 3 ** 2)
IO.inspect(Enum.map(0..5, &(2 ** &1)))
x = 7
IO.inspect(x ** 2)
try do
  IO.inspect(:a ** 2)
rescue
  e -> IO.puts(Exception.message(e))
end
