# :math and :erlang.float/1
IO.inspect(:math.pi())
IO.inspect({:math.sin(0), :math.cos(0), :math.sqrt(16), :math.pow(2, 10), :math.exp(0), :math.log(1)})
IO.inspect({:math.sin(1.0), :math.cos(2), :math.tan(0.5), :math.atan2(1, 1), :math.log10(1000), :math.log2(8)})
IO.inspect({:math.floor(2.5), :math.ceil(2.5), :math.fmod(7, 3), :math.asin(1), :math.acos(1), :math.atan(1)})
IO.inspect({:math.sinh(1), :math.cosh(0), :math.tanh(0.5)})
IO.inspect({:erlang.float(3), :erlang.float(2.5)})
s = :math.sin(:erlang.float(7))
IO.inspect(s * s >= 0)

for {f, args} <- [{:sqrt, [-1]}, {:log, [0]}, {:sin, [:a]}, {:pow, [10.0, 400]}] do
  try do
    apply(:math, f, args)
  rescue
    e -> IO.inspect({f, e.__struct__})
  end
end

try do
  :erlang.float(:x)
rescue
  e -> IO.inspect(e.__struct__)
end
