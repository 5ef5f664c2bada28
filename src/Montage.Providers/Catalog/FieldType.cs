namespace Montage.Providers.Catalog;

/// <summary>The value shapes a Montage input field can take.</summary>
public enum FieldType
{
    String,
    Integer,
    Number,
    Boolean,

    /// <summary>One media reference: an asset id, an http(s) URL, a data URI or a job output reference.</summary>
    Media,

    /// <summary>A list of media references.</summary>
    MediaList,

    /// <summary>A list of objects, each validated against the field's item fields.</summary>
    ObjectList,

    /// <summary>A named image size preset or an object {width, height}.</summary>
    ImageSize,

    /// <summary>One object, validated against the field's item fields (e.g. a shot's metadata).</summary>
    Object,

    /// <summary>A list of strings; minLength/maxLength apply to each item.</summary>
    StringList,
}

/// <summary>How a Montage value is converted for the provider.</summary>
public enum ValueConversion
{
    /// <summary>The value as it is.</summary>
    Copy,

    /// <summary>A number as an invariant string: 5 becomes "5".</summary>
    String,

    /// <summary>A number of seconds with an "s" suffix: 8 becomes "8s".</summary>
    SecondsSuffix,
}
