# try/rescue/catch/after, raise/throw/exit inside a process.
r = try do
  raise "boom"
rescue
  e in RuntimeError -> {:rescued, e.message}
end
IO.inspect r
r = try do
  raise ArgumentError, "bad arg"
rescue
  e in [ArgumentError, RuntimeError] -> {:rescued, e}
end
IO.inspect r
r = try do
  1 / 0
rescue
  e -> {e.__struct__, Exception.message(e)}
end
IO.inspect r
r = try do
  throw(:ball)
catch
  value -> {:caught, value}
end
IO.inspect r
r = try do
  exit(:bye)
catch
  :exit, reason -> {:exit, reason}
end
IO.inspect r
r = try do
  :ok
after
  IO.puts "after runs"
end
IO.inspect r
r = try do
  try do
    raise "inner"
  after
    IO.puts "inner after"
  end
rescue
  e -> e.message
end
IO.inspect r
r = try do
  {:ok, 1}
rescue
  _ -> :error
else
  {:ok, v} -> v + 1
end
IO.inspect r
r = try do
  %{}.missing
rescue
  e in KeyError -> Exception.message(e)
end
IO.inspect r
r = try do
  case :x do
    :y -> 1
  end
rescue
  e -> Exception.message(e)
end
IO.inspect r
defmodule F do
  def only(:a), do: :a
end
r = try do
  F.only(:b)
rescue
  e -> Exception.message(e)
end
IO.inspect r
r = try do
  F.missing()
rescue
  e -> Exception.message(e)
end
IO.inspect r
r = try do
  raise "x"
catch
  :error, e -> e
end
IO.inspect r
